// Exposition: writes collected metric families (MetricsRegistry::Collect)
// in the Prometheus text format 0.0.4 or in OpenMetrics 1.0.0 text, and
// picks the format from a scrape's Accept header.
//
// Written here rather than with prometheus-cpp: see README "Observability"
// (its series lookup takes a per-family mutex on every recording).
//
// Thread safety: pure functions.
//
// Example:
//   ExpositionFormat format = NegotiateExposition(accept_header);
//   std::string body = WriteExposition(registry.Collect(), format);
//   // Content-Type: ExpositionContentType(format)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/observability/metrics_registry.h"

namespace protogate::observability {

enum class ExpositionFormat { kPrometheusText, kOpenMetrics };

// kOpenMetrics when `accept` lists application/openmetrics-text, else the
// Prometheus text format (also for an empty or absent Accept).
ExpositionFormat NegotiateExposition(std::string_view accept);

// "text/plain; version=0.0.4; charset=utf-8" or
// "application/openmetrics-text; version=1.0.0; charset=utf-8".
std::string_view ExpositionContentType(ExpositionFormat format);

// Every family with at least one series; OpenMetrics ends with "# EOF".
std::string WriteExposition(const std::vector<FamilySample>& families,
                            ExpositionFormat format);

}  // namespace protogate::observability
