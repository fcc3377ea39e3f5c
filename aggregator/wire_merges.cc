#include "aggregator/wire_merges.h"

#include <algorithm>
#include <optional>

#include "aggregator/field_ops.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::internal::WireFormatLite;

bool ReadsResponse(const CompiledExpr* e) {
  if (e == nullptr) return false;
  return std::any_of(e->vars.begin(), e->vars.end(), [](const ExprVar& v) {
    return v.root == ExprRoot::kResponse;
  });
}

// The top-level response field a merge writes, or nullptr for the root.
const FieldDescriptor* TopField(const CompiledMerge& m) {
  return m.into.empty() ? nullptr : m.into.front();
}

bool Qualifies(const CompiledPlan& plan, const CompiledMerge& m) {
  if (m.expr != nullptr || m.from.kind != RefKind::kStepResponse ||
      !m.from.path.empty() || m.into.size() != 1 ||
      (m.strategy != v1::Merge::SET && m.strategy != v1::Merge::MERGE)) {
    return false;
  }
  const FieldDescriptor* field = m.into.front();
  const CompiledStep& step = plan.steps[m.from.step];
  if (field->is_repeated() ||
      field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      field->message_type() != step.method->output_type() ||
      step.for_each.has_value()) {
    return false;
  }
  if (!plan.error_field.empty() && plan.error_field.front() == field) {
    return false;
  }
  int writers = 0;
  for (const CompiledMerge& other : plan.merges) {
    if (TopField(other) == field) ++writers;
  }
  return writers == 1;
}

// True when something other than a wire-level merge reads step `s`'s
// response message.
bool ReadByReflection(const CompiledPlan& plan, int s) {
  if (!plan.steps[s].dependents.empty()) return true;
  for (const CompiledMerge& m : plan.merges) {
    if (m.wire) continue;
    if (m.from.step == s) return true;
    if (m.expr != nullptr &&
        std::binary_search(m.expr->steps.begin(), m.expr->steps.end(), s)) {
      return true;
    }
  }
  return false;
}

}  // namespace

void PlanWireMerges(CompiledPlan& plan) {
  for (const CompiledMerge& m : plan.merges) {
    if (TopField(m) == nullptr || ReadsResponse(m.expr.get())) return;
  }
  for (size_t i = 0; i < plan.merges.size(); ++i) {
    CompiledMerge& m = plan.merges[i];
    if (!Qualifies(plan, m)) continue;
    m.wire = true;
    plan.wire_merges.push_back(static_cast<int>(i));
    plan.steps[m.from.step].keeps_wire = true;
  }
  std::sort(plan.wire_merges.begin(), plan.wire_merges.end(),
            [&](int a, int b) {
              return TopField(plan.merges[a])->number() <
                     TopField(plan.merges[b])->number();
            });
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    CompiledStep& step = plan.steps[s];
    step.parses_response =
        !step.keeps_wire || ReadByReflection(plan, static_cast<int>(s));
  }
}

void PlanWireRequests(CompiledPlan& plan) {
  for (CompiledStep& step : plan.steps) {
    if (step.for_each.has_value()) continue;
    bool ok = true;
    for (size_t i = 0; i < step.bindings.size() && ok; ++i) {
      const CompiledBinding& b = step.bindings[i];
      ok = b.expr == nullptr && b.to.size() == 1 && WireWritable(*b.to[0]) &&
           b.from.kind != RefKind::kItem && b.from.kind != RefKind::kStepEach &&
           !b.from.type.repeated;
      for (size_t j = 0; j < i && ok; ++j) ok = step.bindings[j].to != b.to;
    }
    if (!ok) continue;
    step.wire_request = true;
    for (size_t i = 0; i < step.bindings.size(); ++i) {
      step.wire_bindings.push_back(static_cast<int>(i));
    }
    std::stable_sort(step.wire_bindings.begin(), step.wire_bindings.end(),
                     [&](int a, int b) {
                       return step.bindings[a].to[0]->number() <
                              step.bindings[b].to[0]->number();
                     });
  }
}

void AppendWireRequest(const CompiledStep& step, const RunValues& values,
                       std::string* out) {
  for (int i : step.wire_bindings) {
    const CompiledBinding& b = step.bindings[i];
    std::optional<Value> v = ReadRef(b.from, values, nullptr);
    if (v.has_value()) AppendWire(*v, *b.to[0], out);
  }
}

bool WellFormedFields(std::string_view wire) {
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const uint8_t*>(wire.data()),
      static_cast<int>(wire.size()));
  while (input.CurrentPosition() < static_cast<int>(wire.size())) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0 || WireFormatLite::GetTagWireType(tag) ==
                        WireFormatLite::WIRETYPE_END_GROUP) {
      return false;  // Field number 0, a bad varint, or an unopened group.
    }
    if (!WireFormatLite::SkipField(&input, tag)) return false;
  }
  return true;
}

void AppendWireMerges(const CompiledPlan& plan, const RunValues& values,
                      std::string* out) {
  using google::protobuf::io::CodedOutputStream;
  std::string serialized;
  for (int i : plan.wire_merges) {
    const CompiledMerge& m = plan.merges[i];
    const StepValues& step = values.steps[m.from.step];
    const std::string* bytes = &step.wire;
    if (!step.has_wire) {
      if (step.response == nullptr) continue;  // Skipped or failed.
      serialized.clear();
      step.response->SerializePartialToString(&serialized);  // A FALLBACK.
      bytes = &serialized;
    }
    uint8_t head[10];  // Two varint32s.
    uint8_t* end = CodedOutputStream::WriteVarint32ToArray(
        WireFormatLite::MakeTag(m.into.front()->number(),
                                WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
        head);
    end = CodedOutputStream::WriteVarint32ToArray(
        static_cast<uint32_t>(bytes->size()), end);
    out->append(reinterpret_cast<const char*>(head), end - head);
    out->append(*bytes);
  }
}

}  // namespace protogate::aggregator
