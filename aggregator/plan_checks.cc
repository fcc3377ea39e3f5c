// Whole-plan checks: graph shape, write conflicts, time and call budgets.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aggregator/compile_context.h"
#include "gateway/base/status_macros.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::FieldDescriptor;

enum class Mark { kNew, kActive, kDone };

// A step with a `when` (path or expression) may not run.
bool IsConditional(const CompiledStep& step) {
  return step.when.has_value() || step.when_expr != nullptr;
}

const std::vector<int>& ExprSteps(const CompiledMerge& m) {
  return m.expr->steps;
}

// Depth-first search; on a cycle fills `cycle` with the step ids on it.
bool FindCycle(const std::vector<CompiledStep>& steps, int at,
               std::vector<Mark>& marks, std::vector<int>& stack,
               std::vector<std::string>& cycle) {
  marks[at] = Mark::kActive;
  stack.push_back(at);
  for (int dep : steps[at].deps) {
    if (marks[dep] == Mark::kActive) {
      auto it = std::find(stack.begin(), stack.end(), dep);
      for (; it != stack.end(); ++it) cycle.push_back(steps[*it].id);
      cycle.push_back(steps[dep].id);
      return true;
    }
    if (marks[dep] == Mark::kNew &&
        FindCycle(steps, dep, marks, stack, cycle)) {
      return true;
    }
  }
  stack.pop_back();
  marks[at] = Mark::kDone;
  return false;
}

absl::Status CheckUsed(const CompileContext& ctx) {
  const std::vector<CompiledStep>& steps = ctx.plan->steps;
  std::vector<bool> used(steps.size(), false);
  std::vector<int> work;
  auto use = [&](int i) {
    if (i >= 0 && !used[i]) {
      used[i] = true;
      work.push_back(i);
    }
  };
  for (const CompiledMerge& m : ctx.plan->merges) {
    use(m.from.step);
    if (m.expr != nullptr) {
      for (int s : ExprSteps(m)) use(s);
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].response_headers.empty()) use(static_cast<int>(i));
  }
  while (!work.empty()) {
    const int at = work.back();
    work.pop_back();
    for (int dep : steps[at].deps) use(dep);
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!used[i]) {
      return ctx.Fail(StepWhere(steps[i]),
                      "unreachable: no merge, used step or response header "
                      "reads its result");
    }
  }
  return absl::OkStatus();
}

struct Write {
  int merge;
  FieldPath path;
  std::string text;
  size_t into_size;  // JOIN: length of the list path; else 0.
};

// Why two unconditional writes conflict, or "" when they do not.
std::string Conflict(const Write& a, const Write& b) {
  size_t k = 0;
  while (k < a.path.size() && k < b.path.size() && a.path[k] == b.path[k]) ++k;
  if (k == a.path.size() || k == b.path.size()) {
    const Write& shorter = a.path.size() <= b.path.size() ? a : b;
    const Write& longer = a.path.size() <= b.path.size() ? b : a;
    // A JOIN refines the elements of a list another merge sets.
    if (shorter.path.size() < longer.path.size() &&
        shorter.path.size() <= longer.into_size) {
      return "";
    }
    return absl::StrCat("both write \"", shorter.text, "\" unconditionally");
  }
  const auto* oneof_a = a.path[k]->real_containing_oneof();
  if (oneof_a != nullptr && oneof_a == b.path[k]->real_containing_oneof()) {
    return absl::StrCat("\"", a.text, "\" and \"", b.text,
                        "\" are members of oneof \"", oneof_a->name(), "\"");
  }
  return "";
}

// What merge `i` (SET or JOIN) writes. A JOIN writes join_field, or each
// join_fields target, in every element of `into`.
std::vector<Write> WritesOf(const CompiledMerge& m, int i) {
  std::vector<Write> out;
  if (m.strategy != v1::Merge::JOIN) {
    out.push_back(Write{i, m.into, m.into_text, 0});
    return out;
  }
  std::vector<FieldPath> inner;
  if (m.join_copies.empty()) inner.push_back(m.join_field);
  for (const CompiledMerge::FieldCopy& copy : m.join_copies) {
    inner.push_back(copy.to);
  }
  for (const FieldPath& path : inner) {
    Write w{i, m.into, m.into_text, m.into.size()};
    w.path.insert(w.path.end(), path.begin(), path.end());
    w.text = absl::StrCat(w.text, ".", PathText(path));
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

absl::Status CheckGraph(CompileContext& ctx) {
  std::vector<CompiledStep>& steps = ctx.plan->steps;
  std::vector<Mark> marks(steps.size(), Mark::kNew);
  std::vector<int> stack;
  std::vector<std::string> cycle;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (marks[i] == Mark::kNew &&
        FindCycle(steps, static_cast<int>(i), marks, stack, cycle)) {
      return ctx.Fail("steps",
                      absl::StrCat("cycle: ", absl::StrJoin(cycle, " -> ")));
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    for (int dep : steps[i].deps)
      steps[dep].dependents.push_back(static_cast<int>(i));
  }
  return CheckUsed(ctx);
}

absl::Status CheckWriteConflicts(CompileContext& ctx) {
  std::vector<Write> writes;
  const auto& merges = ctx.plan->merges;
  for (size_t i = 0; i < merges.size(); ++i) {
    const CompiledMerge& m = merges[i];
    if (m.strategy != v1::Merge::SET && m.strategy != v1::Merge::JOIN) continue;
    if (m.from.step >= 0 && IsConditional(ctx.plan->steps[m.from.step]))
      continue;
    if (m.expr != nullptr &&
        std::any_of(ExprSteps(m).begin(), ExprSteps(m).end(),
                    [&](int s) { return IsConditional(ctx.plan->steps[s]); })) {
      continue;
    }
    std::vector<Write> mine = WritesOf(m, static_cast<int>(i));
    for (const Write& w : mine) {
      for (const Write& earlier : writes) {
        const std::string why = Conflict(earlier, w);
        if (why.empty()) continue;
        return ctx.Fail(
            absl::StrCat("merge[", i, "] into \"", m.into_text, "\""),
            absl::StrCat("conflicts with merge[", earlier.merge, "]: ", why));
      }
    }
    for (Write& w : mine) writes.push_back(std::move(w));
  }
  return absl::OkStatus();
}

// total_items of a fan-out step: its max_items times its parent's (the
// graph is acyclic by now).
int TotalItems(std::vector<CompiledStep>& steps, int s) {
  CompiledForEach& fe = *steps[s].for_each;
  if (fe.total_items > 0) return fe.total_items;
  const int64_t parent = fe.parent < 0 ? 1 : TotalItems(steps, fe.parent);
  fe.total_items =
      static_cast<int>(std::min<int64_t>(parent * fe.max_items, 1 << 30));
  return fe.total_items;
}

// Worst-case calls of a nested fan-out: the product of the levels.
void CountNestedCalls(CompiledPlan& plan) {
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    CompiledStep& step = plan.steps[s];
    if (!step.for_each.has_value()) continue;
    const CompiledForEach& fe = *step.for_each;
    const int total = TotalItems(plan.steps, static_cast<int>(s));
    if (fe.parent < 0) continue;
    const int64_t calls = fe.mode == v1::ForEach::BATCH
                              ? (total + fe.max_batch - 1) / fe.max_batch
                              : total;
    step.worst_case_calls = static_cast<int>(
        std::min<int64_t>(calls * (1 + step.max_retries), 1 << 30));
  }
}

absl::Status CheckBudgets(CompileContext& ctx) {
  CompiledPlan& plan = *ctx.plan;
  CountNestedCalls(plan);
  const auto& d = ctx.proto.deadline();
  if (d.seconds() < 0 || d.nanos() < 0)
    return ctx.Fail("deadline", "must be positive");
  if (d.seconds() != 0 || d.nanos() != 0) {
    plan.deadline = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  }
  std::vector<std::string> counts;
  for (const CompiledStep& step : plan.steps) {
    if (step.timeout != absl::InfiniteDuration() &&
        step.timeout > plan.deadline) {
      return ctx.Fail(
          StepWhere(step),
          absl::StrCat("timeout ", absl::FormatDuration(step.timeout),
                       " exceeds the plan deadline ",
                       absl::FormatDuration(plan.deadline)));
    }
    plan.worst_case_calls += step.worst_case_calls;
    counts.push_back(absl::StrCat(step.id, "=", step.worst_case_calls));
  }
  if (ctx.proto.max_total_calls() > 0) {
    plan.max_total_calls = static_cast<int>(ctx.proto.max_total_calls());
  }
  if (plan.worst_case_calls > plan.max_total_calls) {
    return ctx.Fail(
        "max_total_calls",
        absl::StrCat("worst case of ", plan.worst_case_calls,
                     " upstream calls (", absl::StrJoin(counts, ", "),
                     ") exceeds ", plan.max_total_calls));
  }
  return absl::OkStatus();
}

}  // namespace protogate::aggregator
