// Wire-level merges: the merges a run applies by copying a step's response
// bytes into the plan's response instead of through reflection.
//
// A merge qualifies at load time (PlanWireMerges) when it SETs or MERGEs a
// whole step response (`from: "steps.<id>.response"`, no expression) into a
// top-level singular message field of the response that no other merge and
// no error report writes, and no expression reads the response being built.
// Such a field holds exactly the step's response, so its wire form is the
// field's tag, the length and the bytes the upstream sent: appending that to
// the serialized rest of the response gives the same message (protobuf
// merges concatenated encodings). A step whose response only wire-level
// merges read (no binding, condition, fan-out, expression or other merge)
// is not parsed into a message at all; its bytes are checked field by field
// (tags, lengths, varints), not type by type.
//
// Requests the same way: a plain step (no fan-out) whose bindings all read a
// value by path (no expression) into a scalar top-level field
// (field_ops.h WireWritable) writes its request bytes field by field
// (AppendWireRequest) instead of filling and serializing a message; the
// bytes are those the message would serialize to.
//
// Thread safety: PlanWireMerges mutates the plan being compiled; the run-time
// functions only read the plan and one run's values.
// Ownership: nothing is retained.
//
// Example (RunState::FinishOk):
//   if (selection == nullptr && plan.wire_merges) {
//     ApplyMerges(plan, values, nullptr, MergeSet::kReflectionOnly, msg);
//     msg->SerializePartialToString(&out);
//     AppendWireMerges(plan, values, &out);
//   }
#pragma once

#include <string>
#include <string_view>

#include "aggregator/compiled_plan.h"
#include "aggregator/run_values.h"

namespace protogate::aggregator {

// Load time, after every merge and the error reporting are compiled: sets
// CompiledMerge::wire, CompiledStep::keeps_wire / parses_response and
// CompiledPlan::wire_merges.
void PlanWireMerges(CompiledPlan& plan);

// Load time: sets CompiledStep::wire_request / wire_bindings.
void PlanWireRequests(CompiledPlan& plan);

// Appends the request of `step` (wire_request) bound from `values`.
void AppendWireRequest(const CompiledStep& step, const RunValues& values,
                       std::string* out);

// True when `wire` is a sequence of well-formed fields (valid tags, varints
// within 10 bytes, lengths within the buffer, groups closed). Does not look
// inside length-delimited fields.
bool WellFormedFields(std::string_view wire);

// Appends, in field-number order, every wire-level merge whose step has a
// response (its received bytes, or its FALLBACK message serialized).
void AppendWireMerges(const CompiledPlan& plan, const RunValues& values,
                      std::string* out);

}  // namespace protogate::aggregator
