// Executor: runs a CompiledPlan for one request against upstream
// Channels and produces the plan method's response.
//
// Semantics:
//   - DAG: a step starts as soon as every step it references has finished;
//     independent steps run concurrently.
//   - Fan-out: EACH sends one call per distinct key, at most
//     max_concurrency in flight; BATCH sends one call per max_batch keys and
//     matches response elements back by key (unknown and duplicate keys in
//     the response are ignored, missing keys leave no result). More than
//     max_items distinct keys fails the step with RESOURCE_EXHAUSTED.
//   - Memoisation: identical calls (same method, same request bytes) within
//     one run are sent once; later ones reuse the result (and the first
//     caller's deadline and metadata).
//   - Criticality: a failed REQUIRED step ends the run with its status;
//     OPTIONAL leaves its targets empty and adds a StepFailure (and the
//     plan's error field/header, whose message for a transport failure,
//     i.e. UNAVAILABLE, DEADLINE_EXCEEDED, UNKNOWN, INTERNAL or DATA_LOSS, is
//     the generic one of ClientMessage() in run_values.h; the original is
//     logged); FALLBACK uses the step's fallback.
//   - Deadline: run deadline = min(options.deadline, start + plan deadline);
//     each call's deadline = min(now + step timeout, run deadline). No step
//     starts after the run deadline. The executor owns no timer: it relies
//     on Channel's contract that a call completes by its deadline.
//   - Retries: up to the step's max_retries (compiled only for idempotent
//     methods), on UNAVAILABLE, while the deadline and max_total_calls allow.
//   - Cancellation: when the run ends early (REQUIRED failure, deadline),
//     calls not yet sent are not sent, the calls in flight are cancelled
//     through their shared upstream::CallCanceller, and their results are
//     dropped when they arrive.
//
// Thread safety: Run() may be called concurrently; per-run state is guarded
// by a mutex; channel callbacks may arrive on any thread. `done` runs
// exactly once, on the caller's thread (inline completion) or on a channel
// callback thread, never under a lock.
// Ownership: `plan` and every channel returned by the resolver must outlive
// the call to `done`; calls abandoned after `done` touch neither the plan
// nor the results.
//
// Example:
//   Executor executor;
//   RunOptions options;
//   options.deadline = absl::Now() + absl::Seconds(2);
//   options.resolver = [&](const google::protobuf::ServiceDescriptor& s) {
//     return upstreams.Channel(s.full_name());
//   };
//   executor.Run(*plan, request_bytes, options, [](RunResult r) {
//     if (r.status.ok()) Reply(r.response, ServerTimingValue(r));
//   });
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "aggregator/call_coalescer.h"
#include "aggregator/compiled_plan.h"
#include "aggregator/field_selection.h"
#include "aggregator/run_result.h"
#include "gateway/upstream/channel.h"

namespace protogate::aggregator {

struct RunOptions {
  absl::Time deadline = absl::InfiniteFuture();
  upstream::Metadata headers;  // Incoming request headers, lower-case keys.
  // Metadata every step's call carries besides its propagate_headers: the
  // caller's verified identity (the auth stage's forwarded claims), which
  // no plan has to name. Lower-case keys.
  upstream::Metadata identity;
  // The channel serving a called method's service; nullptr fails that step
  // with UNAVAILABLE. Must be thread-safe.
  std::function<upstream::Channel*(const google::protobuf::ServiceDescriptor&)>
      resolver;
  // The per-step metrics hook: called once for every step that ends (ok,
  // fallback, skipped or failed) with its timing and outcome, outside the
  // run's lock, on an arbitrary thread; may be empty. Must be thread-safe.
  std::function<void(const StepTiming&)> on_step_done;
  // The fields the client asked for (field_selection.h); nullptr: all.
  // Steps the selection does not need end kSkipped without a call, and the
  // response holds only the selected fields.
  std::shared_ptr<const FieldSelection> selection;
  // Shares identical in-flight calls of `coalesce: true` steps with other
  // runs (call_coalescer.h); nullptr: no coalescing. Must outlive the run's
  // calls.
  CallCoalescer* coalescer = nullptr;
  // Names the request in the log lines about this run (an OPTIONAL step's
  // failure is logged with its original message, which the response does
  // not carry); may be empty.
  std::string request_id;
};

using RunCallback = absl::AnyInvocable<void(RunResult) &&>;

class Executor {
 public:
  // Runs `plan` on `request_wire` (the plan method's serialized request).
  // Returns at once; `done` receives the result. INVALID_ARGUMENT when the
  // request does not parse (reported through `done`, inline). The run keeps
  // `options` (pass an rvalue to spare the copy).
  void Run(const CompiledPlan& plan, std::string request_wire,
           RunOptions options, RunCallback done) const;
};

}  // namespace protogate::aggregator
