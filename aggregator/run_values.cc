#include "aggregator/run_values.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
    auto it = step.results.find(KeyOf(Resolve(*element, m.join_key)));
    if (it == step.results.end()) continue;
    Write(Resolve(*it->second, m.from.path), element, m.join_field,
          WriteMode::kSet);
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

void ApplyBindings(const CompiledStep& step, const RunValues& values,
                   const Value* item, Message* request) {
  for (const CompiledBinding& b : step.bindings) {
    std::optional<Value> v = ReadRef(b.from, values, item);
    if (v.has_value()) Write(*v, request, b.to, WriteMode::kSet);
  }
}

void ApplyMerges(const CompiledPlan& plan, const RunValues& values,
                 Message* response) {
  for (const CompiledMerge& m : plan.merges) {
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

std::string_view ClientMessage(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
      return "upstream unavailable";
    case absl::StatusCode::kDeadlineExceeded:
      return "upstream deadline exceeded";
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return "upstream error";
    default:
      return base::ToStd(status.message());
  }
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
      parts.push_back(
          absl::StrCat(f.step, "=", absl::StatusCodeToString(f.status.code())));
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
