// GET /-/metrics: the gateway's metrics (observability::MetricsRegistry) in
// the Prometheus text format 0.0.4, or OpenMetrics 1.0.0 when the Accept
// header asks for application/openmetrics-text. Other methods than GET are
// 405.
//
// Thread safety: any thread; a scrape takes each metrics shard's lock in
// turn (see metrics_registry.h).
#pragma once

#include <memory>

#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/observability/metrics_registry.h"
#include "gateway/proxy/snapshot.h"

namespace protogate::admin {

inline constexpr std::string_view kMetricsPath = "/-/metrics";

// Answers `request` (path kMetricsPath) with a scrape of `registry`, with
// the snapshot's header rules applied like every admin answer.
void ServeMetrics(std::shared_ptr<const proxy::Snapshot> snapshot,
                  observability::MetricsRegistry& registry,
                  const http::Request& request, http::Responder responder);

}  // namespace protogate::admin
