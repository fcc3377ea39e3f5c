// RunValues: the messages of one run (request, step responses, per-key
// fan-out results) and how references read them. Internal to aggregator/.
//
// Thread safety: none; guarded by the owning RunState's mutex.
// Ownership: owns the messages; they come from the plan's factory, so the
// values must be destroyed before the plan.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "aggregator/compiled_plan.h"
#include "aggregator/field_ops.h"
#include "aggregator/field_selection.h"
#include "aggregator/run_result.h"

namespace protogate::aggregator {

struct StepValues {
  std::unique_ptr<google::protobuf::Message> response;  // Plain steps.
  // Plain steps with CompiledStep::keeps_wire: the response as received.
  std::string wire;
  bool has_wire = false;
  std::vector<std::string> keys;  // Fan-out: distinct keys, item order.
  absl::flat_hash_map<std::string, std::unique_ptr<google::protobuf::Message>>
      results;  // Fan-out: per-key result.
};

struct RunValues {
  std::unique_ptr<google::protobuf::Message> request;
  const upstream::Metadata* headers = nullptr;  // Incoming request headers.
  std::vector<StepValues> steps;
};

// Reads a request, step-response, header or item reference; nullopt when
// the step produced no response or the header is absent. `item` is the
// current for_each element (kItem only).
std::optional<Value> ReadRef(const Ref& ref, const RunValues& values,
                             const Value* item);

// Writes every binding of `step` into `request`; `item` as for ReadRef.
// InvalidArgument `bind[<i>] "<to>": <why>` when an expression binding
// evaluates to an error or a value that does not fit (the other bindings
// are still written).
absl::Status ApplyBindings(const CompiledStep& step, const RunValues& values,
                           const Value* item,
                           google::protobuf::Message* request);

// The elements a fan-out iterates: the list `fe.over` names, or for a
// nested fan-out the value at its path in each of the parent's results (in
// key order; a list contributes its elements). RESOURCE_EXHAUSTED when one
// parent result holds more than max_items.
absl::Status FanOutElements(const CompiledForEach& fe, const RunValues& values,
                            std::vector<Value>* out);

// True unless the step's `when` (path or expression) is false, unset or an
// error.
bool WhenHolds(const CompiledStep& step, const RunValues& values);

enum class MergeSet {
  kAll,
  kReflectionOnly,  // All but the wire-level merges (wire_merges.h).
};

// Applies the plan's merges of `set`, in order, into `response` (only those
// `selection` keeps, unless it is null).
void ApplyMerges(const CompiledPlan& plan, const RunValues& values,
                 const FieldSelection* selection, MergeSet set,
                 google::protobuf::Message* response);

// Sets the `path` of per-item failures whose item a JOIN merge places in
// `response` (the first element with the failed key).
void LocateFailures(const CompiledPlan& plan,
                    const google::protobuf::Message& response,
                    std::vector<StepFailure>& failures);

// The message a client sees for an OPTIONAL step's failure: the generic one
// the gateway gives for a failed REQUIRED step when the code is a transport
// failure (UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, INTERNAL, DATA_LOSS),
// whose text may hold addresses or library messages; the status's own
// message (the backend's answer) otherwise. Views into `status` or static.
std::string_view ClientMessage(const absl::Status& status);

// The generic client-facing message of a transport failure code (the codes
// above), or "" for any other code. Static strings. The gateway's errors for
// direct calls use it too (proxy/error_response.cc).
std::string_view GenericUpstreamMessage(absl::StatusCode code);

// Appends OPTIONAL failures to the plan's error field (with their `path`
// when the element has a string `path` field) and header (one entry per
// step and code); each entry's message is ClientMessage().
void ReportFailures(const CompiledPlan& plan,
                    const std::vector<StepFailure>& failures,
                    google::protobuf::Message* response,
                    upstream::Metadata* headers);

}  // namespace protogate::aggregator
