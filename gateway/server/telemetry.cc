#include "gateway/server/telemetry.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "gateway/base/status_macros.h"
#include "gateway/observability/process_metrics.h"
#include "gateway/upstream/grpc_unary_caller.h"

#ifndef PROTOGATE_VERSION
#define PROTOGATE_VERSION "dev"
#endif
#ifndef PROTOGATE_REVISION
#define PROTOGATE_REVISION "unknown"
#endif

namespace protogate::server {
namespace {

using observability::MetricType;
using observability::SampleSink;

constexpr char kOtlpExport[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

absl::StatusOr<std::unique_ptr<observability::SpanExporter>> StartExporter(
    const config::v1::TracingConfig& tracing) {
  if (tracing.otlp().endpoint().empty()) return nullptr;
  PG_ASSIGN_OR_RETURN(std::unique_ptr<upstream::GrpcUnaryCaller> caller,
                      upstream::GrpcUnaryCaller::Create(
                          tracing.otlp().endpoint(), kOtlpExport));
  std::shared_ptr<upstream::GrpcUnaryCaller> shared = std::move(caller);
  return std::make_unique<observability::SpanExporter>(
      observability::SpanExporterOptions{},
      [shared](const std::string& request, absl::Duration timeout) {
        return shared->Call(request, timeout).status();
      });
}

}  // namespace

Telemetry::~Telemetry() = default;

http::ConnectionEvents Telemetry::ConnectionEvents() {
  if (!metrics_enabled_) return {};
  const observability::GatewayMetrics* m = metrics_.get();
  return {.opened =
              [m] {
                m->connections_accepted.Add({});
                m->connections_open.Add({}, 1);
              },
          .closed =
              [m] {
                m->connections_closed.Add({});
                m->connections_open.Add({}, -1);
              },
          .refused =
              [m](int status) {
                m->http_bad_requests.Add({observability::HttpCodeText(status)});
              },
          .tls_handshake_failed = [m] { m->tls_handshake_failures.Add({}); }};
}

void Telemetry::ReopenAccessLog() {
  if (access_log_ != nullptr) access_log_->Reopen();
}

void Telemetry::OnReload(std::string_view trigger, bool ok) {
  metrics_->config_reloads.Add({trigger, ok ? "ok" : "rejected"});
  if (ok) snapshot_since_unix_nanos_.store(absl::GetCurrentTimeNanos());
}

void Telemetry::AddRateLimitStoreMetrics(
    ratelimit::RateLimitEnvironment& environment) {
  registry_.AddCollector(
      "protogate_rate_limit_store_failures_total",
      "Calls to the shared rate limits' Redis that failed: not answered "
      "within rate_limits.redis.timeout, or the store unavailable.",
      MetricType::kCounter, {"reason"}, [&environment](SampleSink& sink) {
        auto failures = environment.RedisFailures();
        if (!failures.has_value()) return;
        sink.Set({"timeout"}, static_cast<double>(failures->timeout));
        sink.Set({"unavailable"}, static_cast<double>(failures->unavailable));
      });
}

void Telemetry::AddUpstreamCollectors(
    std::function<std::shared_ptr<const proxy::Snapshot>()> snapshot) {
  registry_.AddCollector(
      "protogate_upstream_endpoints_healthy",
      "Endpoints of each cluster that pass their health checks.",
      MetricType::kGauge, {"cluster"}, [snapshot](SampleSink& sink) {
        std::shared_ptr<const proxy::Snapshot> current = snapshot();
        if (current == nullptr) return;
        for (const upstream::ClusterHealth& c : current->ClusterHealth()) {
          int healthy = 0;
          for (bool h : c.endpoint_healthy) healthy += h ? 1 : 0;
          sink.Set({c.name}, healthy);
        }
      });
  registry_.AddCollector(
      "protogate_upstream_endpoints", "Endpoints of each cluster.",
      MetricType::kGauge, {"cluster"}, [snapshot](SampleSink& sink) {
        std::shared_ptr<const proxy::Snapshot> current = snapshot();
        if (current == nullptr) return;
        for (const upstream::ClusterHealth& c : current->ClusterHealth()) {
          sink.Set({c.name}, static_cast<double>(c.endpoint_healthy.size()));
        }
      });
  registry_.AddCollector(
      "protogate_upstream_connections_open",
      "HTTP/2 connections open to the endpoints of each cluster.",
      MetricType::kGauge, {"cluster"}, [snapshot](SampleSink& sink) {
        std::shared_ptr<const proxy::Snapshot> current = snapshot();
        if (current == nullptr) return;
        for (const upstream::ClusterHealth& c : current->ClusterHealth()) {
          sink.Set({c.name}, c.open_connections);
        }
      });
}

void Telemetry::AddOwnCollectors() {
  registry_.AddCollector(
      "protogate_config_snapshot_age_seconds",
      "Seconds since the configuration in use was loaded.", MetricType::kGauge,
      {}, [this](SampleSink& sink) {
        int64_t since = snapshot_since_unix_nanos_.load();
        sink.Set(
            {}, static_cast<double>(absl::GetCurrentTimeNanos() - since) / 1e9);
      });
  if (access_log_ != nullptr) {
    registry_.AddCollector(
        "protogate_access_log_dropped_total",
        "Access-log lines dropped because the buffer was "
        "full or the file failed.",
        MetricType::kCounter, {}, [this](SampleSink& sink) {
          sink.Set({}, static_cast<double>(access_log_->dropped()));
        });
  }
  if (spans_ != nullptr) {
    registry_.AddCollector(
        "protogate_spans_exported_total", "Spans the collector accepted.",
        MetricType::kCounter, {}, [this](SampleSink& sink) {
          sink.Set({}, static_cast<double>(spans_->exported()));
        });
    registry_.AddCollector("protogate_spans_dropped_total",
                           "Spans dropped because the export queue was full.",
                           MetricType::kCounter, {}, [this](SampleSink& sink) {
                             sink.Set({},
                                      static_cast<double>(spans_->dropped()));
                           });
    registry_.AddCollector("protogate_span_export_failures_total",
                           "Spans in export calls that failed.",
                           MetricType::kCounter, {}, [this](SampleSink& sink) {
                             sink.Set({},
                                      static_cast<double>(spans_->failed()));
                           });
  }
}

absl::StatusOr<std::unique_ptr<Telemetry>> StartTelemetry(
    const config::v1::GatewayConfig& config,
    std::function<std::shared_ptr<const proxy::Snapshot>()> current_snapshot) {
  std::unique_ptr<Telemetry> t(new Telemetry());
  t->snapshot_since_unix_nanos_.store(absl::GetCurrentTimeNanos());
  t->metrics_ = std::make_unique<observability::GatewayMetrics>(
      t->registry_, observability::BuildInfo{.version = PROTOGATE_VERSION,
                                             .revision = PROTOGATE_REVISION});
  observability::AddProcessMetrics(t->registry_);
  if (config.logging().has_access_log()) {
    PG_ASSIGN_OR_RETURN(t->access_log_,
                        observability::AccessLogWriter::Open(
                            {.path = config.logging().access_log().path()}));
  }
  t->metrics_enabled_ =
      !config.metrics().has_enabled() || config.metrics().enabled();
  observability::ObserverOptions options{
      .metrics = t->metrics_enabled_ ? t->metrics_.get() : nullptr,
      .access_log = t->access_log_.get()};
  if (config.has_tracing()) {
    options.sample_ratio = config.tracing().has_sample_ratio()
                               ? config.tracing().sample_ratio()
                               : 1.0;
    PG_ASSIGN_OR_RETURN(t->spans_, StartExporter(config.tracing()));
    options.spans = t->spans_.get();
  }
  if (options.metrics != nullptr || options.access_log != nullptr ||
      options.sample_ratio.has_value()) {
    t->observer_ = std::make_unique<observability::RequestObserver>(options);
  }
  t->AddUpstreamCollectors(std::move(current_snapshot));
  t->AddOwnCollectors();
  return t;
}

}  // namespace protogate::server
