#include "gateway/observability/request_observer.h"

#include <string>
#include <utility>

namespace protogate::observability {
namespace {

// "/pkg.Service/Method" or "pkg.Service/Method" split at the last '/'.
std::pair<std::string_view, std::string_view> SplitMethod(
    std::string_view full) {
  if (!full.empty() && full.front() == '/') full.remove_prefix(1);
  size_t slash = full.rfind('/');
  if (slash == std::string_view::npos) return {full, ""};
  return {full.substr(0, slash), full.substr(slash + 1)};
}

// Seconds between two NowUnixNanos() readings.
double SecondsBetween(int64_t start_ns, int64_t end_ns) {
  return static_cast<double>(end_ns - start_ns) * 1e-9;
}

void CountStageOutcomes(const GatewayMetrics& m,
                        const RequestOutcome& outcome) {
  if (!outcome.cors_preflight.empty()) {
    m.cors_preflights.Add({outcome.cors_preflight});
  }
  if (!outcome.auth_result.empty()) {
    m.auth_decisions.Add({outcome.auth_provider, outcome.auth_result});
  }
  if (!outcome.rate_limit_result.empty()) {
    m.rate_limit_decisions.Add(
        {outcome.rate_limit_policy, outcome.rate_limit_result});
  }
}

}  // namespace

RequestObserver::RequestObserver(ObserverOptions options)
    : options_(std::move(options)) {
  if (options_.sample_ratio) tracer_.emplace(*options_.sample_ratio);
}

RequestObservation RequestObserver::Start(std::string_view traceparent,
                                          std::string_view tracestate) const {
  RequestObservation seen;
  seen.start_ns = NowUnixNanos();
  if (tracer_) seen.trace = tracer_->Continue(traceparent, tracestate);
  if (options_.metrics != nullptr) {
    const GatewayMetrics& m = *options_.metrics;
    m.http_requests_in_flight_series.Add(m.http_requests_in_flight, {}, 1);
  }
  return seen;
}

std::optional<TraceContext> RequestObserver::StartCall(
    const RequestObservation& seen) const {
  if (!seen.trace) return std::nullopt;
  return seen.trace->Child();
}

void RequestObserver::FinishCall(const std::optional<TraceContext>& call,
                                 const CallOutcome& outcome) const {
  const int64_t end_ns = NowUnixNanos();
  const double seconds = SecondsBetween(outcome.start_ns, end_ns);
  std::string_view code = GrpcCodeName(outcome.grpc_code);
  if (const GatewayMetrics* m = options_.metrics) {
    if (outcome.series != nullptr) {
      outcome.series->CountCall(outcome.grpc_code, seconds);
    } else {
      std::string_view method = outcome.grpc_method;
      if (!method.empty() && method.front() == '/') method.remove_prefix(1);
      m->upstream_requests.Add({outcome.cluster, method, code});
      m->upstream_request_duration.Observe({outcome.cluster}, seconds);
    }
    if (outcome.attempts > 1) {
      m->upstream_retries.Add({outcome.cluster}, outcome.attempts - 1);
    }
    if (outcome.retry_budget_refused) {
      m->upstream_retry_budget_refusals.Add({outcome.cluster});
    }
    if (!outcome.plan.empty()) {
      m->plan_step_duration.Observe({outcome.plan, outcome.step}, seconds);
      if (outcome.grpc_code != 0) {
        m->plan_step_failures.Add({outcome.plan, outcome.step, code});
      }
    }
  }
  if (!call) return;
  FinishAttempt(
      *call, outcome.grpc_method, outcome.grpc_code,
      outcome.span_start_ns != 0 ? outcome.span_start_ns : outcome.start_ns,
      end_ns);
}

void RequestObserver::FinishAttempt(const TraceContext& attempt,
                                    std::string_view grpc_method, int grpc_code,
                                    int64_t start_ns, int64_t end_ns) const {
  if (options_.spans == nullptr || !attempt.sampled()) return;
  auto [service, method] = SplitMethod(grpc_method);
  Span span;
  span.context = attempt;
  span.name = std::string(service).append("/").append(method);
  span.kind = SpanKind::kClient;
  span.start = absl::FromUnixNanos(start_ns);
  span.end = absl::FromUnixNanos(end_ns);
  span.error = grpc_code != 0;
  span.attributes = {{"rpc.system", std::string("grpc")},
                     {"rpc.service", std::string(service)},
                     {"rpc.method", std::string(method)},
                     {"rpc.grpc.status_code", int64_t{grpc_code}}};
  options_.spans->Export(std::move(span));
}

void RequestObserver::Finish(const RequestObservation& seen,
                             const RequestOutcome& outcome) const {
  const int64_t end_ns = NowUnixNanos();
  if (const GatewayMetrics* m = options_.metrics) {
    const double seconds = SecondsBetween(seen.start_ns, end_ns);
    if (outcome.series != nullptr) {
      outcome.series->CountRequest(outcome.method, outcome.status, seconds,
                                   outcome.bytes_in, outcome.bytes_out);
    } else {
      std::string_view route =
          outcome.route.empty() ? kUnknownRoute : outcome.route;
      const std::string_view method = HttpMethodLabel(outcome.method);
      m->http_requests.Add({route, method, HttpCodeText(outcome.status)});
      m->http_request_duration.Observe({route, method}, seconds);
      m->http_request_size.Observe({route, method},
                                   static_cast<double>(outcome.bytes_in));
      m->http_response_size.Observe({route, method},
                                    static_cast<double>(outcome.bytes_out));
    }
    m->http_requests_in_flight_series.Add(m->http_requests_in_flight, {}, -1);
    CountStageOutcomes(*m, outcome);
  }
  if (options_.access_log != nullptr) WriteAccessLog(seen, outcome, end_ns);
  if (options_.spans != nullptr && seen.trace && seen.trace->sampled()) {
    ExportServerSpan(seen, outcome, end_ns);
  }
}

void RequestObserver::WriteAccessLog(const RequestObservation& seen,
                                     const RequestOutcome& outcome,
                                     int64_t end_ns) const {
  AccessLogRecord record;
  record.time_unix_ns = seen.start_ns;
  record.request_id = outcome.request_id;
  record.client_ip = outcome.client_ip;
  record.method = outcome.method;
  record.target = outcome.target;
  record.route = outcome.route;
  record.status = outcome.status;
  record.grpc_code = outcome.grpc_code;
  record.duration_ns = end_ns - seen.start_ns;
  record.bytes_in = outcome.bytes_in;
  record.bytes_out = outcome.bytes_out;
  record.cluster = outcome.cluster;
  record.endpoint = outcome.endpoint;
  record.plan_steps = outcome.plan_steps;
  record.subject = outcome.subject;
  record.rate_limit_policy = outcome.rate_limit_policy;
  char trace_id[32];
  char span_id[16];
  if (seen.trace) {
    record.trace_id = seen.trace->TraceIdHex(trace_id);
    record.span_id = seen.trace->SpanIdHex(span_id);
  }
  // The line is formatted into a per-thread buffer and copied into the
  // writer's: no allocation per line.
  thread_local std::string buffer;
  options_.access_log->Append(FormatAccessLogJson(record, buffer));
}

void RequestObserver::ExportServerSpan(const RequestObservation& seen,
                                       const RequestOutcome& outcome,
                                       int64_t end_ns) const {
  Span span;
  span.context = *seen.trace;
  span.name = std::string(outcome.method).append(" ").append(outcome.route);
  span.kind = SpanKind::kServer;
  span.start = absl::FromUnixNanos(seen.start_ns);
  span.end = absl::FromUnixNanos(end_ns);
  span.error = outcome.status >= 500;
  span.attributes = {{"http.request.method", std::string(outcome.method)},
                     {"http.route", std::string(outcome.route)},
                     {"http.response.status_code", int64_t{outcome.status}}};
  options_.spans->Export(std::move(span));
}

}  // namespace protogate::observability
