// Process metrics: the standard process_* families every Prometheus client
// exports (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds), read from /proc/self at scrape time.
//
// Thread safety: AddProcessMetrics may be called from any thread; the
// collectors run on the scraping thread.
//
// Example:
//   AddProcessMetrics(registry);
#pragma once

#include "gateway/observability/metrics_registry.h"

namespace protogate::observability {

// Declares the process_* families in `registry` (each read at scrape time).
void AddProcessMetrics(MetricsRegistry& registry);

}  // namespace protogate::observability
