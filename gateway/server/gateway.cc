#include "gateway/server/gateway.h"

#include <utility>

#include "gateway/admin/admin.h"
#include "gateway/admin/metrics_endpoint.h"

namespace protogate::server {

Gateway::Gateway(std::shared_ptr<const proxy::Snapshot> snapshot,
                 GatewayOptions options)
    : admin_(options.admin),
      metrics_(options.metrics),
      proxy_({.log_requests = options.log_requests,
              .parse = options.parse,
              .print = options.print,
              .observer = options.observer}),
      snapshot_(std::move(snapshot)) {}

void Gateway::Handle(const http::Request& request, http::Responder responder) {
  if (admin_ == AdminEndpoints::kPublicListener &&
      request.path().starts_with("/-/")) {
    if (ServedMetrics(request, responder)) return;
    admin::ServeAdmin(snapshot(), request, std::move(responder),
                      serving_.load());
    return;
  }
  proxy_.Handle(snapshot(), request, std::move(responder));
}

void Gateway::HandleAdmin(const http::Request& request,
                          http::Responder responder) {
  if (ServedMetrics(request, responder)) return;
  admin::ServeAdmin(snapshot(), request, std::move(responder), serving_.load());
}

bool Gateway::ServedMetrics(const http::Request& request,
                            http::Responder& responder) {
  if (metrics_ == nullptr || request.path() != admin::kMetricsPath) {
    return false;
  }
  admin::ServeMetrics(snapshot(), *metrics_, request, std::move(responder));
  return true;
}

}  // namespace protogate::server
