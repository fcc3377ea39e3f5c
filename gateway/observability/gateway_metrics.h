// GatewayMetrics: the metric families the gateway records, declared once
// in a MetricsRegistry with the names and labels README "Observability"
// lists. Every label value is bounded by configuration: routes are gRPC
// method full names or plan names ("-" for a request that matched none),
// clusters and plan steps come from the config, codes from HTTP and gRPC.
//
// Thread safety: immutable after construction (but for the in-flight
// atomic); the handles may be used from any thread.
// Ownership: borrows the registry, which must outlive it.
//
// Example:
//   GatewayMetrics metrics(registry);
//   metrics.upstream_requests.Add({"books", "demo.Shelves/List", "OK"});
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/observability/metrics_registry.h"

namespace protogate::observability {

// The route label of a request that matched no route.
inline constexpr std::string_view kUnknownRoute = "-";

struct BuildInfo {
  std::string_view version;
  std::string_view revision;
};

class RouteSeries;

struct GatewayMetrics {
  GatewayMetrics(MetricsRegistry& registry, BuildInfo build);
  ~GatewayMetrics();

  // The bound series of one route and its cluster (route_series.h), made
  // on first use and kept while this object lives: a reload's routes get
  // the same ones. Takes a mutex: call it once per route (RouteSeriesSlot).
  const RouteSeries& Route(std::string_view route,
                           std::string_view cluster) const;

  // HTTP requests: {route, method, code} / {route, method}.
  CounterFamily http_requests;
  HistogramFamily http_request_duration;
  HistogramFamily http_request_size;
  HistogramFamily http_response_size;
  // Requests being served: {}. Its one series is bound at construction
  // (exported as 0 before any request); raise and lower it through
  // http_requests_in_flight_series, a cell add in the thread's shard.
  GaugeFamily http_requests_in_flight;
  LazyGauge http_requests_in_flight_series;
  CounterFamily http_bad_requests;  // {kind}: "400", "413", "431"...
  // Connections of the public listener: {}.
  CounterFamily connections_accepted;
  CounterFamily connections_closed;
  GaugeFamily connections_open;
  // TLS handshakes that failed or timed out on the public listener: {}.
  CounterFamily tls_handshake_failures;
  // Streaming responses: {route} and bytes {route}.
  CounterFamily streams_relayed;
  CounterFamily stream_bytes_relayed;
  // Upstream calls: {cluster, grpc_method, grpc_code} / {cluster}.
  CounterFamily upstream_requests;
  HistogramFamily upstream_request_duration;
  CounterFamily upstream_retries;                // {cluster}
  CounterFamily upstream_retry_budget_refusals;  // {cluster}
  // Plans: {plan, result} / {plan, step} / {plan, step, grpc_code}.
  CounterFamily plan_runs;
  HistogramFamily plan_step_duration;
  CounterFamily plan_step_failures;
  CounterFamily plan_calls_coalesced;  // {plan, step}
  // Config reloads: {trigger, result}.
  CounterFamily config_reloads;
  // Pipeline stages (policy/exchange.h's StageOutcomes): {provider,
  // result} / {policy, result} / {result}.
  CounterFamily auth_decisions;
  CounterFamily rate_limit_decisions;
  CounterFamily cors_preflights;

 private:
  mutable absl::Mutex routes_mu_;
  mutable absl::flat_hash_map<std::string, std::unique_ptr<RouteSeries>> routes_
      ABSL_GUARDED_BY(routes_mu_);
};

// "OK", "UNAVAILABLE", ... for a gRPC status code 0-16, else "UNKNOWN".
std::string_view GrpcCodeName(int code);
// "200", "404", ... for 100-599, else "other".
std::string_view HttpCodeText(int status);
// The method label: one of the RFC 9110 methods and PATCH as sent, else
// "other" (a client may send any token as a method; labels stay bounded).
std::string_view HttpMethodLabel(std::string_view method);
// The same as an index 0..kHttpMethodLabels-1, and the label of an index.
inline constexpr int kHttpMethodLabels = 10;
int HttpMethodIndex(std::string_view method);
std::string_view HttpMethodLabelAt(int index);

}  // namespace protogate::observability
