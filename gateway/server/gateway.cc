#include "gateway/server/gateway.h"

#include <utility>

#include "gateway/admin/admin.h"

namespace protogate::server {

Gateway::Gateway(std::shared_ptr<const proxy::Snapshot> snapshot,
                 GatewayOptions options)
    : admin_(options.admin),
      proxy_({.log_requests = options.log_requests,
              .parse = options.parse,
              .print = options.print}),
      snapshot_(std::move(snapshot)) {}

void Gateway::Handle(const http::Request& request, http::Responder responder) {
  if (admin_ == AdminEndpoints::kPublicListener &&
      request.path().starts_with("/-/")) {
    admin::ServeAdmin(snapshot(), request, std::move(responder),
                      serving_.load());
    return;
  }
  proxy_.Handle(snapshot(), request, std::move(responder));
}

void Gateway::HandleAdmin(const http::Request& request,
                          http::Responder responder) {
  admin::ServeAdmin(snapshot(), request, std::move(responder), serving_.load());
}

}  // namespace protogate::server
