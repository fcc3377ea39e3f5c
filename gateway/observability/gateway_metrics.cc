#include "gateway/observability/gateway_metrics.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/observability/route_series.h"

namespace protogate::observability {

GatewayMetrics::GatewayMetrics(MetricsRegistry& r, BuildInfo build)
    : http_requests(r.AddCounter("protogate_http_requests_total",
                                 "HTTP requests answered.",
                                 {"route", "method", "code"})),
      http_request_duration(
          r.AddHistogram("protogate_http_request_duration_seconds",
                         "Time from the request head to the end of the answer.",
                         {"route", "method"}, DurationBuckets())),
      http_request_size(r.AddHistogram("protogate_http_request_size_bytes",
                                       "Request body sizes.",
                                       {"route", "method"}, SizeBuckets())),
      http_response_size(r.AddHistogram("protogate_http_response_size_bytes",
                                        "Response body sizes.",
                                        {"route", "method"}, SizeBuckets())),
      http_requests_in_flight(r.AddGauge("protogate_http_requests_in_flight",
                                         "Requests being served.", {})),
      http_bad_requests(r.AddCounter(
          "protogate_http_bad_requests_total",
          "Requests refused by the HTTP parser, by status.", {"kind"})),
      connections_accepted(
          r.AddCounter("protogate_http_connections_accepted_total",
                       "Client connections accepted.", {})),
      connections_closed(r.AddCounter("protogate_http_connections_closed_total",
                                      "Client connections closed.", {})),
      connections_open(r.AddGauge("protogate_http_connections_open",
                                  "Client connections open.", {})),
      tls_handshake_failures(r.AddCounter(
          "protogate_tls_handshake_failures_total",
          "TLS handshakes that failed or timed out (connection closed).", {})),
      streams_relayed(r.AddCounter("protogate_streams_relayed_total",
                                   "Streaming responses relayed.", {"route"})),
      stream_bytes_relayed(r.AddCounter(
          "protogate_stream_bytes_relayed_total",
          "Body bytes relayed in streaming responses.", {"route"})),
      upstream_requests(
          r.AddCounter("protogate_upstream_requests_total",
                       "Calls to backends (each attempt), by gRPC status.",
                       {"cluster", "grpc_method", "grpc_code"})),
      upstream_request_duration(r.AddHistogram(
          "protogate_upstream_request_duration_seconds",
          "Duration of calls to backends.", {"cluster"}, DurationBuckets())),
      upstream_retries(r.AddCounter("protogate_upstream_retries_total",
                                    "Retries made.", {"cluster"})),
      upstream_retry_budget_refusals(r.AddCounter(
          "protogate_upstream_retry_budget_refusals_total",
          "Retries not made because the retry budget was empty.", {"cluster"})),
      plan_runs(r.AddCounter("protogate_plan_runs_total",
                             "Composition plans run, by result.",
                             {"plan", "result"})),
      plan_step_duration(r.AddHistogram("protogate_plan_step_duration_seconds",
                                        "Duration of each plan step's call.",
                                        {"plan", "step"}, DurationBuckets())),
      plan_step_failures(r.AddCounter("protogate_plan_step_failures_total",
                                      "Plan steps that failed, by gRPC code.",
                                      {"plan", "step", "grpc_code"})),
      plan_calls_coalesced(r.AddCounter(
          "protogate_plan_calls_coalesced_total",
          "Plan step calls answered by an identical call another request "
          "had in flight (coalesce: true).",
          {"plan", "step"})),
      config_reloads(r.AddCounter("protogate_config_reloads_total",
                                  "Configuration reloads, by trigger.",
                                  {"trigger", "result"})),
      auth_decisions(r.AddCounter(
          "protogate_auth_decisions_total",
          "Requests to protected routes, by credential provider and result.",
          {"provider", "result"})),
      rate_limit_decisions(r.AddCounter(
          "protogate_rate_limit_decisions_total",
          "Requests to rate-limited routes, by the policy that applied and "
          "its result.",
          {"policy", "result"})),
      cors_preflights(r.AddCounter("protogate_cors_preflights_total",
                                   "CORS preflights answered, by result.",
                                   {"result"})) {
  http_requests_in_flight_series.Add(http_requests_in_flight, {}, 0);
  r.AddCollector("protogate_build_info",
                 "The gateway's version and source revision (always 1).",
                 MetricType::kGauge, {"version", "revision"},
                 [version = std::string(build.version),
                  revision = std::string(build.revision)](SampleSink& sink) {
                   sink.Set({version, revision}, 1);
                 });
}

std::string_view GrpcCodeName(int code) {
  static constexpr std::array<std::string_view, 17> kNames = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code < 17 ? kNames[code] : "UNKNOWN";
}

std::string_view HttpCodeText(int status) {
  static const auto* const kTexts = [] {
    auto* texts = new std::array<std::string, 500>;
    for (int i = 0; i < 500; ++i) (*texts)[i] = absl::StrCat(i + 100);
    return texts;
  }();
  return status >= 100 && status < 600
             ? std::string_view((*kTexts)[status - 100])
             : "other";
}

namespace {

constexpr std::array<std::string_view, kHttpMethodLabels> kMethodLabels = {
    "GET",  "POST",    "PUT",   "DELETE",  "PATCH",
    "HEAD", "OPTIONS", "TRACE", "CONNECT", "other"};

}  // namespace

int HttpMethodIndex(std::string_view method) {
  for (int i = 0; i + 1 < kHttpMethodLabels; ++i) {
    if (method == kMethodLabels[i]) return i;
  }
  return kHttpMethodLabels - 1;
}

std::string_view HttpMethodLabelAt(int index) { return kMethodLabels[index]; }

std::string_view HttpMethodLabel(std::string_view method) {
  return kMethodLabels[HttpMethodIndex(method)];
}

}  // namespace protogate::observability
