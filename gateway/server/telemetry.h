// Telemetry: the process's observability parts, built once at start-up
// from the config (README "Observability"): the metrics registry with the
// gateway's families, build info, process and upstream-health metrics; the
// access log (logging.access_log); the tracer and OTLP span exporter
// (tracing); and the RequestObserver the proxy calls.
//
// Thread safety: immutable after StartTelemetry except through the parts'
// own thread-safe methods (ReopenAccessLog, OnReload).
// Ownership: owns every part; must outlive the servers and the gateway
// that use it. The health collector calls `current_snapshot` at scrapes.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto telemetry, StartTelemetry(config, [&] {
//     return gateway.snapshot(); }));
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "gateway/http/server.h"
#include "gateway/observability/access_log_writer.h"
#include "gateway/observability/gateway_metrics.h"
#include "gateway/observability/metrics_registry.h"
#include "gateway/observability/request_observer.h"
#include "gateway/observability/span_exporter.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/ratelimit/rate_limit_environment.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

class Telemetry {
 public:
  ~Telemetry();
  // The registry /-/metrics serves, or nullptr with `metrics.enabled:
  // false`.
  observability::MetricsRegistry* served_registry() {
    return metrics_enabled_ ? &registry_ : nullptr;
  }
  // What the proxy calls per request, or nullptr when metrics, access log
  // and tracing are all off (then requests cost nothing extra).
  const observability::RequestObserver* observer() const {
    return observer_.get();
  }
  // Counts the public listener's connections and the requests its HTTP
  // parser refused (400, 413, 431...); empty when metrics are off. Valid
  // while this object lives.
  http::ConnectionEvents ConnectionEvents();
  // SIGUSR1: reopens the access log file (a no-op without one).
  void ReopenAccessLog();
  // Counts a reload (reloader.h) and, when it succeeded, restarts the
  // snapshot age.
  void OnReload(std::string_view trigger, bool ok);
  // Exports the failed calls of the shared rate limits' Redis clients
  // (protogate_rate_limit_store_failures_total{reason}). REQUIRES: called
  // once; `environment` outlives this object.
  void AddRateLimitStoreMetrics(ratelimit::RateLimitEnvironment& environment);

 private:
  friend absl::StatusOr<std::unique_ptr<Telemetry>> StartTelemetry(
      const config::v1::GatewayConfig&,
      std::function<std::shared_ptr<const proxy::Snapshot>()>);
  Telemetry() = default;
  // Endpoint health and open connections per cluster, read from the
  // snapshot in use at each scrape.
  void AddUpstreamCollectors(
      std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot);
  // The configuration's age, the access log's drops and the span
  // exporter's counts (those of the parts configured).
  void AddOwnCollectors();

  observability::MetricsRegistry registry_;
  std::unique_ptr<observability::GatewayMetrics> metrics_;
  std::unique_ptr<observability::AccessLogWriter> access_log_;
  std::unique_ptr<observability::SpanExporter> spans_;
  std::unique_ptr<observability::RequestObserver> observer_;
  std::atomic<int64_t> snapshot_since_unix_nanos_{0};
  bool metrics_enabled_ = true;
};

// FailedPrecondition when the access log cannot be opened (the message
// names logging.access_log.path); InvalidArgument for a malformed
// tracing.otlp.endpoint. `current_snapshot` must be callable at every
// scrape until the Telemetry is destroyed.
absl::StatusOr<std::unique_ptr<Telemetry>> StartTelemetry(
    const config::v1::GatewayConfig& config,
    std::function<std::shared_ptr<const proxy::Snapshot>()> current_snapshot);

}  // namespace protogate::server
