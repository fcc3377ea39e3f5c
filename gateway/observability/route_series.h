// RouteSeries: the metric series of one route, so that a request adds to
// cells resolved once instead of building, hashing and looking up label
// keys: HTTP requests by method and status, their duration and body sizes,
// and the route's upstream calls by gRPC code and their duration.
//
// Each series is bound at its first use (an unused method or status is not
// exported, as before); the `code` label's series sit in a small array
// indexed by the status (the registered ranges 100-103, 200-208, 300-308,
// 400-431, 500-511; any other status is counted by label lookup), the
// methods' in an array indexed by the method label.
//
// RouteSeriesSlot is where a route keeps its RouteSeries (proxy's
// RouteRuntime): filled on the route's first observed request from
// GatewayMetrics::Route(), which makes one RouteSeries per route and
// cluster for the life of the metrics (reloads reuse it).
//
// Thread safety: every method may be called from any thread.
// Ownership: GatewayMetrics owns the RouteSeries; a slot borrows one.
//
// Example:
//   const RouteSeries& series = rt.series.Get(metrics, "demo.S/Get", "books");
//   series.CountCall(/*grpc_code=*/0, seconds);
//   series.CountRequest("GET", 200, seconds, bytes_in, bytes_out);
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/observability/gateway_metrics.h"
#include "gateway/observability/metrics_registry.h"

namespace protogate::observability {

class RouteSeries {
 public:
  RouteSeries(const GatewayMetrics& metrics, std::string route,
              std::string cluster);
  RouteSeries(const RouteSeries&) = delete;
  RouteSeries& operator=(const RouteSeries&) = delete;

  const GatewayMetrics& metrics() const { return metrics_; }
  // One answered request: protogate_http_requests_total and the request
  // duration and size histograms.
  void CountRequest(std::string_view method, int status, double seconds,
                    uint64_t bytes_in, uint64_t bytes_out) const;
  // One upstream call of the route (its cluster; grpc_method is the route):
  // protogate_upstream_requests_total and its duration.
  void CountCall(int grpc_code, double seconds) const;

 private:
  static constexpr int kStatuses = 66;  // See StatusIndex() in the .cc.
  struct MethodSeries {
    std::array<LazyCounter, kStatuses> requests;
    LazyHistogram duration;
    LazyHistogram request_size;
    LazyHistogram response_size;
  };

  const GatewayMetrics& metrics_;
  const std::string route_;
  const std::string cluster_;
  std::array<MethodSeries, kHttpMethodLabels> methods_;
  std::array<LazyCounter, 17> calls_;  // By gRPC code 0-16.
  LazyHistogram call_duration_;
};

class RouteSeriesSlot {
 public:
  RouteSeriesSlot() = default;
  // Copies share the RouteSeries (the route is the same).
  RouteSeriesSlot(const RouteSeriesSlot& other)
      : series_(other.series_.load(std::memory_order_acquire)) {}
  RouteSeriesSlot& operator=(const RouteSeriesSlot& other) {
    series_.store(other.series_.load(std::memory_order_acquire),
                  std::memory_order_release);
    return *this;
  }

  // The route's series in `metrics`: the kept one, else made (or found)
  // by metrics.Route(route, cluster) and kept. A slot used with another
  // GatewayMetrics than the one it kept asks that one every time.
  const RouteSeries& Get(const GatewayMetrics& metrics, std::string_view route,
                         std::string_view cluster) const;

 private:
  mutable std::atomic<const RouteSeries*> series_{nullptr};
};

}  // namespace protogate::observability
