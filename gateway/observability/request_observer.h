// RequestObserver: what the proxy calls at the start and at the end of
// each request and around each upstream call, to count it (GatewayMetrics),
// log it (AccessLogWriter) and trace it (TraceContext, SpanExporter).
//
// Each part is optional: without an access log no line is formatted,
// without tracing no trace context is read or made, without an exporter
// no span is built; a sampled-out request builds no span either.
//
// Thread safety: immutable after construction; any thread may call it.
// Ownership: borrows the metrics, writer and exporter, which outlive it.
//
// Example:
//   RequestObservation seen = observer.Start(traceparent, tracestate);
//   std::optional<TraceContext> call = observer.StartCall(seen);
//   if (call) metadata.emplace_back("traceparent", call->Traceparent());
//   ... observer.FinishCall(call, {.cluster = ..., .grpc_code = 0});
//   observer.Finish(seen, {.route = ..., .status = 200, ...});
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/observability/access_log_record.h"
#include "gateway/observability/access_log_writer.h"
#include "gateway/observability/gateway_metrics.h"
#include "gateway/observability/route_series.h"
#include "gateway/observability/span_exporter.h"
#include "gateway/observability/trace_context.h"

namespace protogate::observability {

struct ObserverOptions {
  const GatewayMetrics* metrics = nullptr;  // Null: nothing counted.
  AccessLogWriter* access_log = nullptr;    // Null: no access log.
  std::optional<double> sample_ratio;       // Unset: no trace context.
  SpanExporter* spans = nullptr;            // Null: spans not exported.
};

// The wall clock in nanoseconds since the Unix epoch
// (absl::GetCurrentTimeNanos): starts and ends are kept as such, so a
// duration is an integer subtraction, not absl::Time arithmetic (which is
// out of line in Debian's absl).
inline int64_t NowUnixNanos() { return absl::GetCurrentTimeNanos(); }

// One request's start; kept by the proxy until Finish().
struct RequestObservation {
  int64_t start_ns = 0;               // NowUnixNanos() at the request head.
  std::optional<TraceContext> trace;  // Set when tracing is configured.
};

// What the proxy knows when the answer is complete. Views borrow the
// request's data for the duration of Finish().
struct RequestOutcome {
  std::string_view route = kUnknownRoute;  // gRPC method or plan name.
  // The route's bound series (route_series.h); null: counted by labels.
  const RouteSeries* series = nullptr;
  std::string_view method;  // The HTTP method.
  std::string_view target;  // Path and query.
  std::string_view request_id;
  std::string_view client_ip;
  int status = 0;
  int grpc_code = -1;  // -1: no upstream call answered.
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::string_view cluster;
  std::string_view endpoint;
  int plan_steps = 0;
  std::string_view subject;
  std::string_view rate_limit_policy;
  // What the pipeline stages decided (policy/exchange.h's StageOutcomes;
  // empty: the stage did not decide), counted by stage.
  std::string_view rate_limit_result;
  std::string_view auth_provider;
  std::string_view auth_result;
  std::string_view cors_preflight;
};

// One upstream call (a plain route's call, a plan step, a retry).
struct CallOutcome {
  // A plain route's call: its route's bound series (its cluster and
  // grpc_method are the route's); null: counted by labels.
  const RouteSeries* series = nullptr;
  std::string_view cluster;
  std::string_view grpc_method;  // "/pkg.Service/Method" or "pkg.Service/M".
  int grpc_code = 0;
  int64_t start_ns = 0;   // NowUnixNanos() when the call was made.
  std::string_view plan;  // Set for plan steps.
  std::string_view step;
  int attempts = 1;  // Retries made: attempts - 1.
  bool retry_budget_refused = false;
  // The last attempt's start (its span's) when the call was retried and
  // each attempt traced apart (FinishAttempt); 0: start_ns.
  int64_t span_start_ns = 0;
};

class RequestObserver {
 public:
  explicit RequestObserver(ObserverOptions options);

  // At the request head: counts it in flight and continues or starts its
  // trace (empty views: header absent).
  RequestObservation Start(std::string_view traceparent,
                           std::string_view tracestate) const;
  // The trace context of one upstream call (its traceparent goes into the
  // call's metadata), or nullopt when tracing is off.
  std::optional<TraceContext> StartCall(const RequestObservation& seen) const;
  // When the call ended: counts it and exports its client span.
  void FinishCall(const std::optional<TraceContext>& call,
                  const CallOutcome& outcome) const;
  // When one failed attempt of a retried call ended (at `end_ns`): exports
  // its client span. The call is counted once, by FinishCall.
  void FinishAttempt(const TraceContext& attempt, std::string_view grpc_method,
                     int grpc_code, int64_t start_ns, int64_t end_ns) const;
  // When the answer is complete (or the client went away): counts, logs
  // and exports the server span. Call exactly once per Start().
  void Finish(const RequestObservation& seen,
              const RequestOutcome& outcome) const;

  const GatewayMetrics* metrics() const { return options_.metrics; }
  // Whether Finish() writes an access-log line (which needs the target).
  bool logs_requests() const { return options_.access_log != nullptr; }
  // Whether Finish() does anything for this request: false only when
  // tracing is all that is on and the request is not sampled (its answer
  // then needs no watching; Finish() may still be called).
  bool ObservesAnswer(const RequestObservation& seen) const {
    return options_.metrics != nullptr || options_.access_log != nullptr ||
           (options_.spans != nullptr && seen.trace && seen.trace->sampled());
  }

 private:
  void ExportServerSpan(const RequestObservation& seen,
                        const RequestOutcome& outcome, int64_t end_ns) const;
  void WriteAccessLog(const RequestObservation& seen,
                      const RequestOutcome& outcome, int64_t end_ns) const;

  const ObserverOptions options_;
  std::optional<Tracer> tracer_;
};

}  // namespace protogate::observability
