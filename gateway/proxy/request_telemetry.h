// Request telemetry: how the proxy hands a request to the observability
// library (observability/request_observer.h): the answer's status and
// sizes are taken from the responder (ObserveAnswer), each upstream call
// gets its child `traceparent` and is counted where it is made
// (StartUpstreamCall, FinishUpstreamCall), and a plan's step calls go
// through a channel wrapper that does the same (ObservePlan).
//
// None of this runs when ProxyOptions::observer is null.
//
// Thread safety: ObservedAnswer is used by one request; its setters are
// called before the answer is sent. The plan hooks are thread-safe.
// Ownership: the wrappers hold what they need (snapshot, observation).
//
// Example (proxy.cc):
//   responder = ObserveAnswer(*observer, seen, std::move(details),
//                             std::move(finisher), &observed,
//                             std::move(responder));
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "aggregator/executor.h"
#include "gateway/http/responder.h"
#include "gateway/observability/request_observer.h"
#include "gateway/policy/exchange.h"
#include "gateway/policy/header_rules.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/retry_observer.h"

namespace protogate::proxy {

// What the access log and the metrics need from the request head. The
// views borrow the request until ObserveAnswer() returns, which copies
// them (the request may be gone when the answer is sent) into the
// wrapper's own allocation. They are set only when the observer logs
// requests, except `method`. `route` and `series` point into the snapshot,
// which ObserveAnswer's `finisher` keeps alive (its header rules alias it).
struct AnswerDetails {
  std::string_view route;  // "pkg.Service/Method", or "-" when none matched.
  // The matched route's bound series (RouteSeriesFor); null: none matched
  // or metrics are off.
  const observability::RouteSeries* series = nullptr;
  std::string_view method;  // HTTP method.
  std::string_view target;
  std::string_view request_id;
  std::string_view client_ip;
  std::string_view subject;  // The auth stage's verified subject.
  uint64_t bytes_in = 0;
  // What the stages decided (views into the snapshot's stages).
  policy::StageOutcomes stages;
};

// The observation of one answer; the call sites add what they learn.
class ObservedAnswer {
 public:
  virtual ~ObservedAnswer() = default;
  // `endpoint` points into the snapshot's channels (CallResult::endpoint).
  virtual void SetUpstream(std::string_view cluster, std::string_view endpoint,
                           int grpc_code) = 0;
  virtual void SetPlanSteps(int steps) = 0;
};

// Wraps `inner` in one responder that first applies `finisher` to the
// answer (policy::FinishingResponder's work) and then counts, logs and
// traces it (whole or streamed; the status and sizes observed are those of
// the finished answer) when it ends. `*observed` points at the wrapper
// until the answer is sent.
// REQUIRES: observer.ObservesAnswer(seen) (else the answer is only
// finished: policy::FinishingResponder); `finisher`'s header rules keep the
// snapshot that `details` points into alive (an aliasing shared_ptr into
// it).
http::Responder ObserveAnswer(const observability::RequestObserver& observer,
                              const observability::RequestObservation& seen,
                              AnswerDetails&& details,
                              policy::ResponseFinisher finisher,
                              ObservedAnswer** observed, http::Responder inner);

// The attempts of a traced call on a retried route (RouteRuntime::retried,
// upstream::RetryingChannel): each retry exports the failed attempt's
// client span and gives the next attempt a span of its own (a sibling: the
// same parent, the server span) and its traceparent.
// Thread safety: as upstream::RetryObserver (one call's retries are
// sequential, and all happen before the call's callback runs).
class AttemptSpans final : public upstream::RetryObserver {
 public:
  AttemptSpans(const observability::RequestObserver& observer,
               std::string_view grpc_method, observability::TraceContext first,
               int64_t start_ns)
      : observer_(observer),
        grpc_method_(grpc_method),
        trace_(std::move(first)),
        start_ns_(start_ns) {}

  void Retrying(const upstream::FailedAttempt& failed,
                upstream::Traceparent& traceparent) override;

  // The current (after the call: the last) attempt's context and start.
  const std::optional<observability::TraceContext>& trace() const {
    return trace_;
  }
  int64_t start_ns() const { return start_ns_; }

 private:
  const observability::RequestObserver& observer_;
  const std::string_view grpc_method_;                // Points into the route.
  std::optional<observability::TraceContext> trace_;  // Always set.
  int64_t start_ns_;
};

// A plain route's upstream call, unary or streaming: its trace context,
// start and cluster; Finish() counts it (with its retries), exports its
// client span (one per attempt when `attempts` is set) and tells the answer
// the call's cluster, endpoint and code.
struct UpstreamTelemetry {
  explicit UpstreamTelemetry(ObservedAnswer* o) : observed(o) {}
  void Finish(const observability::RequestObserver& observer,
              const RouteRuntime& rt, const upstream::CallResult& result);
  // For a unary call on a retried route, when it is traced: sets
  // `attempts` and makes it the request's retry observer.
  void TraceAttempts(const observability::RequestObserver& observer,
                     const RouteRuntime& rt, upstream::CallRequest& request);

  ObservedAnswer* observed;  // Valid until the answer is sent; may be null.
  std::optional<observability::TraceContext> trace;
  std::string_view cluster;  // Points into the snapshot's upstreams.
  int64_t start_ns = observability::NowUnixNanos();
  // Heap: the retrying channel keeps its address while this moves.
  std::unique_ptr<AttemptSpans> attempts;
};

// Removes any `traceparent`/`tracestate` the header rules forwarded from
// `metadata`, writes the call's own traceparent into `traceparent` (no
// string is made) and adds its `tracestate` to `metadata`; returns the
// call's trace context (nullopt when tracing is off).
std::optional<observability::TraceContext> InjectTraceContext(
    const observability::RequestObserver& observer,
    const observability::RequestObservation& seen, upstream::Metadata& metadata,
    upstream::Traceparent& traceparent);

// The address part of "host:port" or "[v6]:port" (a view into it).
std::string_view ClientIp(std::string_view remote_address);

// The bound metric series of a matched route (kept in its RouteRuntime),
// or null when metrics are off.
const observability::RouteSeries* RouteSeriesFor(
    const observability::RequestObserver& observer, const RouteRuntime& rt);

// Sets `run.resolver`'s channels to count and trace each step call, and
// `run.on_step_done` to time each step. `plan` is the plan's route label.
void ObservePlan(const observability::RequestObserver& observer,
                 const observability::RequestObservation& seen,
                 std::shared_ptr<const Snapshot> snapshot, std::string plan,
                 aggregator::RunOptions& run);

// Counts a finished plan run and its failed steps by code.
void CountPlanRun(const observability::RequestObserver& observer,
                  std::string_view plan, const aggregator::RunResult& result);

}  // namespace protogate::proxy
