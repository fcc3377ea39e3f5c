#include "aggregator/run_values.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aggregator/plan_exprs.h"
#include "gateway/base/strings.h"
#include "google/protobuf/reflection.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void ApplyAppendEach(const CompiledMerge& m, const StepValues& step,
                     Message* response) {
  for (const std::string& key : step.keys) {
    auto it = step.results.find(key);
    if (it == step.results.end()) continue;
    Write(Resolve(*it->second, m.from.path), response, m.into,
          WriteMode::kAppend);
  }
}

void ApplyJoin(const CompiledMerge& m, const StepValues& step,
               Message* response) {
  Message* parent = response;
  for (size_t i = 0; i + 1 < m.into.size(); ++i) {
    parent = parent->GetReflection()->MutableMessage(parent, m.into[i]);
  }
  const FieldDescriptor* list = m.into.back();
  const auto& r = *parent->GetReflection();
  const int n = r.FieldSize(*parent, list);
  for (int i = 0; i < n; ++i) {
    Message* element = r.MutableRepeatedMessage(parent, list, i);
    auto it = step.results.find(KeyOf(Value{element}, m.join_key));
    if (it == step.results.end()) continue;
    const Value result = Resolve(*it->second, m.from.path);
    if (m.join_copies.empty()) {
      Write(result, element, m.join_field, WriteMode::kSet);
      continue;
    }
    for (const CompiledMerge::FieldCopy& copy : m.join_copies) {
      Write(ResolveFrom(result, copy.from), element, copy.to, WriteMode::kSet);
    }
  }
}

WriteMode ModeOf(v1::Merge::Strategy s) {
  switch (s) {
    case v1::Merge::MERGE:
      return WriteMode::kMerge;
    case v1::Merge::APPEND:
      return WriteMode::kAppend;
    case v1::Merge::SET_IF_ABSENT:
      return WriteMode::kSetIfAbsent;
    default:
      return WriteMode::kSet;
  }
}

void AddStatus(const StepFailure& f, Message* list_owner,
               const FieldDescriptor* list) {
  Message* s = list_owner->GetReflection()->AddMessage(list_owner, list);
  const auto* d = s->GetDescriptor();
  const auto& r = *s->GetReflection();
  r.SetInt32(s, d->FindFieldByName("code"), static_cast<int>(f.status.code()));
  const FieldDescriptor* step = d->FindFieldByName("step");
  std::string message(ClientMessage(f.status));
  if (step != nullptr && !step->is_repeated() &&
      step->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    r.SetString(s, step, f.step);
  } else {
    message = absl::StrCat("step \"", f.step, "\": ", message);
  }
  r.SetString(s, d->FindFieldByName("message"), message);
  const FieldDescriptor* path = d->FindFieldByName("path");
  if (path != nullptr && !path->is_repeated() &&
      path->cpp_type() == FieldDescriptor::CPPTYPE_STRING && !f.path.empty()) {
    r.SetString(s, path, f.path);
  }
}

// `into[i].join_field` of the first element of a JOIN target whose key is
// `key`, or "".
std::string JoinPath(const CompiledMerge& m, const Message& response,
                     const std::string& key) {
  const Message* parent = &response;
  for (size_t i = 0; i + 1 < m.into.size(); ++i) {
    parent = &parent->GetReflection()->GetMessage(*parent, m.into[i]);
  }
  const auto& r = *parent->GetReflection();
  const int n = r.FieldSize(*parent, m.into.back());
  for (int i = 0; i < n; ++i) {
    const Message& element = r.GetRepeatedMessage(*parent, m.into.back(), i);
    if (KeyOf(Value{&element}, m.join_key) == key) {
      return m.join_field.empty() ? absl::StrCat(m.into_text, "[", i, "]")
                                  : absl::StrCat(m.into_text, "[", i, "].",
                                                 PathText(m.join_field));
    }
  }
  return "";
}

}  // namespace

std::optional<Value> ReadRef(const Ref& ref, const RunValues& values,
                             const Value* item) {
  switch (ref.kind) {
    case RefKind::kRequest:
      return Resolve(*values.request, ref.path);
    case RefKind::kStepResponse: {
      const Message* response = values.steps[ref.step].response.get();
      if (response == nullptr) return std::nullopt;
      return Resolve(*response, ref.path);
    }
    case RefKind::kItem:
      return ResolveFrom(*item, ref.path);
    case RefKind::kHeader:
      for (const auto& [name, value] : *values.headers) {
        if (name == ref.header) return Value{nullptr, nullptr, -1, &value};
      }
      return std::nullopt;
    case RefKind::kStepEach:
      break;
  }
  return std::nullopt;
}

absl::Status ApplyBindings(const CompiledStep& step, const RunValues& values,
                           const Value* item, Message* request) {
  absl::Status first;
  for (size_t i = 0; i < step.bindings.size(); ++i) {
    const CompiledBinding& b = step.bindings[i];
    if (b.expr != nullptr) {
      const expr::Value v = EvalExpr(*b.expr, ExprInputs{&values, item});
      absl::Status st = WriteExprValue(v, request, b.to, WriteMode::kSet);
      if (!st.ok() && first.ok()) {
        first = absl::InvalidArgumentError(absl::StrCat(
            "bind[", i, "] \"", PathText(b.to), "\": ", st.message()));
      }
      continue;
    }
    std::optional<Value> v = ReadRef(b.from, values, item);
    if (v.has_value()) Write(*v, request, b.to, WriteMode::kSet);
  }
  return first;
}

absl::Status FanOutElements(const CompiledForEach& fe, const RunValues& values,
                            std::vector<Value>* out) {
  if (fe.parent < 0) {
    std::optional<Value> list = ReadRef(fe.over, values, nullptr);
    const int n = list.has_value() ? ListSize(*list) : 0;
    for (int i = 0; i < n; ++i) out->push_back(Element(*list, i));
    return absl::OkStatus();
  }
  const StepValues& parent = values.steps[fe.parent];
  for (const std::string& key : parent.keys) {
    auto it = parent.results.find(key);
    if (it == parent.results.end()) continue;
    const Value v = Resolve(*it->second, fe.over.path);
    if (v.field == nullptr || !v.field->is_repeated()) {
      out->push_back(v);
      continue;
    }
    const int n = ListSize(v);
    if (n > fe.max_items) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "for_each over \"", fe.over.text, "\": the result for \"", key,
          "\" has ", n, " items; max_items is ", fe.max_items));
    }
    for (int i = 0; i < n; ++i) out->push_back(Element(v, i));
  }
  return absl::OkStatus();
}

bool WhenHolds(const CompiledStep& step, const RunValues& values) {
  if (step.when_expr != nullptr) {
    const expr::Value v = EvalExpr(*step.when_expr, ExprInputs{&values});
    return v.kind() == expr::ValueKind::kBool && v.bool_value();
  }
  if (!step.when.has_value()) return true;
  std::optional<Value> v = ReadRef(*step.when, values, nullptr);
  return v.has_value() && Truthy(*v);
}

void ApplyExprMerge(const CompiledMerge& m, const RunValues& values,
                    Message* response) {
  ExprInputs in{&values};
  in.response = response;
  if (m.target_field.empty()) {
    const expr::Value v = EvalExpr(*m.expr, in);
    // An error value or a misfit leaves the target as it was.
    WriteExprValue(v, response, m.into, ModeOf(m.strategy)).IgnoreError();
    return;
  }
  Message* parent = response;
  for (size_t i = 0; i + 1 < m.into.size(); ++i) {
    parent = parent->GetReflection()->MutableMessage(parent, m.into[i]);
  }
  const auto& r = *parent->GetReflection();
  const int n = r.FieldSize(*parent, m.into.back());
  for (int i = 0; i < n; ++i) {
    Message* element = r.MutableRepeatedMessage(parent, m.into.back(), i);
    in.item_message = element;
    const expr::Value v = EvalExpr(*m.expr, in);
    WriteExprValue(v, element, m.target_field, WriteMode::kSet).IgnoreError();
  }
}

void ApplyMerges(const CompiledPlan& plan, const RunValues& values,
                 const FieldSelection* selection, MergeSet set,
                 Message* response) {
  for (size_t i = 0; i < plan.merges.size(); ++i) {
    const CompiledMerge& m = plan.merges[i];
    if (m.wire && set == MergeSet::kReflectionOnly) continue;
    if (selection != nullptr && !selection->AppliesMerge(static_cast<int>(i)))
      continue;
    if (m.expr != nullptr) {
      ApplyExprMerge(m, values, response);
      continue;
    }
    if (m.from.kind == RefKind::kStepEach) {
      const StepValues& step = values.steps[m.from.step];
      if (m.strategy == v1::Merge::JOIN) {
        ApplyJoin(m, step, response);
      } else {
        ApplyAppendEach(m, step, response);
      }
      continue;
    }
    std::optional<Value> v = ReadRef(m.from, values, nullptr);
    if (v.has_value()) Write(*v, response, m.into, ModeOf(m.strategy));
  }
}

void LocateFailures(const CompiledPlan& plan, const Message& response,
                    std::vector<StepFailure>& failures) {
  for (StepFailure& f : failures) {
    if (f.key.empty()) continue;
    for (const CompiledMerge& m : plan.merges) {
      if (m.strategy != v1::Merge::JOIN || m.from.step < 0 ||
          plan.steps[m.from.step].id != f.step) {
        continue;
      }
      f.path = JoinPath(m, response, f.key);
      if (!f.path.empty()) break;
    }
  }
}

std::string_view GenericUpstreamMessage(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
      return "upstream unavailable";
    case absl::StatusCode::kDeadlineExceeded:
      return "upstream deadline exceeded";
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return "upstream error";
    default:
      return {};
  }
}

std::string_view ClientMessage(const absl::Status& status) {
  std::string_view generic = GenericUpstreamMessage(status.code());
  return generic.empty() ? base::ToStd(status.message()) : generic;
}

void ReportFailures(const CompiledPlan& plan,
                    const std::vector<StepFailure>& failures, Message* response,
                    upstream::Metadata* headers) {
  if (failures.empty()) return;
  if (!plan.error_field.empty()) {
    Message* owner = response;
    for (size_t i = 0; i + 1 < plan.error_field.size(); ++i) {
      owner =
          owner->GetReflection()->MutableMessage(owner, plan.error_field[i]);
    }
    for (const StepFailure& f : failures)
      AddStatus(f, owner, plan.error_field.back());
  }
  if (!plan.error_header.empty()) {
    std::vector<std::string> parts;
    for (const StepFailure& f : failures) {
      std::string part =
          absl::StrCat(f.step, "=", absl::StatusCodeToString(f.status.code()));
      if (std::find(parts.begin(), parts.end(), part) != parts.end()) continue;
      parts.push_back(std::move(part));
    }
    headers->emplace_back(plan.error_header, absl::StrJoin(parts, ", "));
  }
}

std::string ServerTimingValue(const RunResult& result) {
  std::vector<std::string> parts;
  for (const StepTiming& t : result.timings) {
    if (t.start == absl::InfinitePast() || t.end == absl::InfinitePast())
      continue;
    if (t.calls == 0 && t.memo_hits == 0 && t.outcome != StepOutcome::kFailed) {
      continue;
    }
    parts.push_back(absl::StrCat(
        t.step, ";dur=", absl::ToDoubleMilliseconds(t.end - t.start)));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace protogate::aggregator
