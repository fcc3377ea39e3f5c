// ServeGateway: a Gateway behind a real http::Server on 127.0.0.1:0, wired
// as main.cc wires it (two I/O threads; the bodies of client-streaming
// routes are pumped, not read whole first).
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "gateway/http/server.h"
#include "gateway/server/gateway.h"

namespace protogate::server {

// `gateway` must outlive the returned server.
inline absl::StatusOr<std::unique_ptr<http::Server>> ServeGateway(
    Gateway& gateway, http::ConnectionEvents events = {}) {
  http::ServerOptions options;
  options.io_threads = 2;
  options.events = std::move(events);
  options.stream_body = [&gateway](std::string_view method,
                                   std::string_view target) {
    return gateway.StreamsRequestBody(method, target);
  };
  return http::Server::Start(options, [&gateway](const http::Request& request,
                                                 http::Responder responder) {
    gateway.Handle(request, std::move(responder));
  });
}

}  // namespace protogate::server
