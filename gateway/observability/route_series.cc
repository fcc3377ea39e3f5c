#include "gateway/observability/route_series.h"

#include <memory>
#include <utility>

namespace protogate::observability {
namespace {

// The index of a status in RouteSeries' array, or -1 outside its ranges.
int StatusIndex(int status) {
  if (status >= 200 && status <= 208) return status - 200;       // 0-8
  if (status >= 400 && status <= 431) return status - 400 + 9;   // 9-40
  if (status >= 500 && status <= 511) return status - 500 + 41;  // 41-52
  if (status >= 300 && status <= 308) return status - 300 + 53;  // 53-61
  if (status >= 100 && status <= 103) return status - 100 + 62;  // 62-65
  return -1;
}

}  // namespace

RouteSeries::RouteSeries(const GatewayMetrics& metrics, std::string route,
                         std::string cluster)
    : metrics_(metrics),
      route_(std::move(route)),
      cluster_(std::move(cluster)) {}

void RouteSeries::CountRequest(std::string_view method, int status,
                               double seconds, uint64_t bytes_in,
                               uint64_t bytes_out) const {
  const int m = HttpMethodIndex(method);
  const std::string_view label = HttpMethodLabelAt(m);
  const MethodSeries& series = methods_[m];
  const int s = StatusIndex(status);
  if (s >= 0) {
    const LazyCounter& requests = series.requests[s];
    if (!requests.AddIfBound(metrics_.http_requests)) {
      requests.Add(metrics_.http_requests,
                   {route_, label, HttpCodeText(status)});
    }
  } else {
    metrics_.http_requests.Add({route_, label, HttpCodeText(status)});
  }
  series.duration.Observe(metrics_.http_request_duration, {route_, label},
                          seconds);
  series.request_size.Observe(metrics_.http_request_size, {route_, label},
                              static_cast<double>(bytes_in));
  series.response_size.Observe(metrics_.http_response_size, {route_, label},
                               static_cast<double>(bytes_out));
}

void RouteSeries::CountCall(int grpc_code, double seconds) const {
  if (grpc_code >= 0 && grpc_code < static_cast<int>(calls_.size())) {
    const LazyCounter& calls = calls_[grpc_code];
    if (!calls.AddIfBound(metrics_.upstream_requests)) {
      calls.Add(metrics_.upstream_requests,
                {cluster_, route_, GrpcCodeName(grpc_code)});
    }
  } else {
    metrics_.upstream_requests.Add({cluster_, route_, GrpcCodeName(grpc_code)});
  }
  call_duration_.Observe(metrics_.upstream_request_duration, {cluster_},
                         seconds);
}

const RouteSeries& RouteSeriesSlot::Get(const GatewayMetrics& metrics,
                                        std::string_view route,
                                        std::string_view cluster) const {
  const RouteSeries* series = series_.load(std::memory_order_acquire);
  if (series != nullptr && &series->metrics() == &metrics) return *series;
  const RouteSeries& made = metrics.Route(route, cluster);
  if (series == nullptr) series_.store(&made, std::memory_order_release);
  return made;
}

GatewayMetrics::~GatewayMetrics() = default;

const RouteSeries& GatewayMetrics::Route(std::string_view route,
                                         std::string_view cluster) const {
  std::string key(route);
  key.push_back('\xff');  // Never in UTF-8: the key is unambiguous.
  key.append(cluster);
  absl::MutexLock lock(&routes_mu_);
  std::unique_ptr<RouteSeries>& series = routes_[key];
  if (series == nullptr) {
    series = std::make_unique<RouteSeries>(*this, std::string(route),
                                           std::string(cluster));
  }
  return *series;
}

}  // namespace protogate::observability
