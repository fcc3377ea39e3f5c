#include "aggregator/explain.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aggregator/plan_exprs.h"

namespace protogate::aggregator {
namespace {

absl::Duration Effective(const CompiledPlan& plan, const CompiledStep& step) {
  if (step.timeout != absl::InfiniteDuration()) return step.timeout;
  if (plan.deadline != absl::InfiniteDuration()) return plan.deadline;
  return absl::ZeroDuration();
}

// Longest chain ending at `i`; memoised in `best` / `prev`.
absl::Duration Longest(const CompiledPlan& plan, int i,
                       std::vector<absl::Duration>& best,
                       std::vector<int>& prev) {
  if (best[i] >= absl::ZeroDuration()) return best[i];
  absl::Duration longest_dep = absl::ZeroDuration();
  for (int dep : plan.steps[i].deps) {
    absl::Duration d = Longest(plan, dep, best, prev);
    if (prev[i] < 0 || d > longest_dep) {
      longest_dep = d;
      prev[i] = dep;
    }
  }
  best[i] = longest_dep + Effective(plan, plan.steps[i]);
  return best[i];
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Millis(absl::Duration d) {
  if (d == absl::InfiniteDuration()) return "null";
  return absl::StrCat(absl::ToDoubleMilliseconds(d));
}

std::string StepJson(const CompiledPlan& plan, const CompiledStep& step) {
  std::vector<std::string> deps;
  for (int d : step.deps) deps.push_back(Quote(plan.steps[d].id));
  std::string out = absl::StrCat(
      "{\"id\":", Quote(step.id), ",\"call\":", Quote(step.method->full_name()),
      ",\"criticality\":", Quote(v1::Criticality_Name(step.criticality)),
      ",\"timeout_ms\":", Millis(step.timeout), ",\"depends_on\":[",
      absl::StrJoin(deps, ","),
      "],\"worst_case_calls\":", step.worst_case_calls);
  if (step.when.has_value())
    absl::StrAppend(&out, ",\"when\":", Quote(step.when->text));
  if (step.when_expr != nullptr)
    absl::StrAppend(&out, ",\"when\":", Quote(step.when_expr->program->text()));
  if (step.for_each.has_value()) {
    const CompiledForEach& fe = *step.for_each;
    absl::StrAppend(&out, ",\"for_each\":{\"over\":", Quote(fe.over.text),
                    ",\"mode\":", Quote(v1::ForEach::Mode_Name(fe.mode)),
                    ",\"max_items\":", fe.max_items,
                    ",\"max_concurrency\":", fe.max_concurrency,
                    ",\"max_batch\":", fe.max_batch, "}");
  }
  return out + "}";
}

std::string MergeJson(const CompiledMerge& merge) {
  return absl::StrCat("{\"into\":", Quote(merge.into_text),
                      ",\"from\":", Quote(merge.from.text), ",\"strategy\":",
                      Quote(v1::Merge::Strategy_Name(merge.strategy)), "}");
}

}  // namespace

CriticalPath FindCriticalPath(const CompiledPlan& plan) {
  const int n = static_cast<int>(plan.steps.size());
  std::vector<absl::Duration> best(n, -absl::Seconds(1));
  std::vector<int> prev(n, -1);
  CriticalPath out;
  int end = -1;
  for (int i = 0; i < n; ++i) {
    absl::Duration d = Longest(plan, i, best, prev);
    if (end < 0 || d > out.total) {
      out.total = d;
      end = i;
    }
  }
  // No call outlives the plan deadline: a step without its own timeout
  // only has what is left of it.
  if (plan.deadline != absl::InfiniteDuration()) {
    out.total = std::min(out.total, plan.deadline);
  }
  for (int i = end; i >= 0; i = prev[i]) out.steps.push_back(i);
  std::reverse(out.steps.begin(), out.steps.end());
  return out;
}

std::string ExplainJson(const CompiledPlan& plan,
                        const FieldSelection* selection) {
  std::vector<std::string> steps, merges, path;
  for (const CompiledStep& s : plan.steps) steps.push_back(StepJson(plan, s));
  for (const CompiledMerge& m : plan.merges) merges.push_back(MergeJson(m));
  const CriticalPath critical = FindCriticalPath(plan);
  for (int i : critical.steps) path.push_back(Quote(plan.steps[i].id));
  return absl::StrCat(
      "{\"method\":", Quote(plan.method->full_name()),
      ",\"deadline_ms\":", Millis(plan.deadline),
      ",\"max_total_calls\":", plan.max_total_calls,
      ",\"worst_case_calls\":", plan.worst_case_calls, ",\"steps\":[",
      absl::StrJoin(steps, ","), "],\"merges\":[", absl::StrJoin(merges, ","),
      "],\"critical_path\":{\"steps\":[", absl::StrJoin(path, ","),
      "],\"timeout_ms\":", Millis(critical.total), "}",
      selection == nullptr
          ? ""
          : absl::StrCat(",\"selection\":", selection->ExplainJson(plan)),
      "}");
}

std::string ExplainDot(const CompiledPlan& plan,
                       const FieldSelection* selection) {
  const CriticalPath critical = FindCriticalPath(plan);
  std::vector<int> path_prev(plan.steps.size(), -1);
  for (size_t k = 1; k < critical.steps.size(); ++k) {
    path_prev[critical.steps[k]] = critical.steps[k - 1];
  }
  std::string out =
      absl::StrCat("digraph ", Quote(plan.method->full_name()), " {\n",
                   "  rankdir=LR;\n  node [shape=box];\n");
  for (const CompiledStep& s : plan.steps) {
    // Ids, method names and enum names hold no quotes or backslashes.
    absl::StrAppend(
        &out, "  ", Quote(s.id), " [label=\"", s.id, "\\n",
        s.method->full_name(), "\\n", v1::Criticality_Name(s.criticality), "\"",
        selection != nullptr && !selection->RunsStep(&s - &plan.steps[0])
            ? ", style=dashed, color=gray"
            : "",
        "];\n");
  }
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    for (int dep : plan.steps[i].deps) {
      const bool hot = path_prev[i] == dep;
      absl::StrAppend(&out, "  ", Quote(plan.steps[dep].id), " -> ",
                      Quote(plan.steps[i].id),
                      hot ? " [color=red, penwidth=2];\n" : ";\n");
    }
  }
  return out + "}\n";
}

}  // namespace protogate::aggregator
