// ServeGateway: a Gateway behind a real http::Server on 127.0.0.1:0, wired
// as main.cc wires it (two I/O threads; the bodies of client-streaming
// routes are pumped, not read whole first). In the h2 test mode
// (PROTOGATE_TEST_HTTP=h2, tests/testing/http_client.h) it serves TLS with
// ALPN h2 and http/1.1 and the checked-in test certificate.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "gateway/http/server.h"
#include "gateway/http/tls_context_store.h"
#include "gateway/server/gateway.h"
#include "tests/testing/http_client.h"

namespace protogate::server {

// `gateway` must outlive the returned server.
inline absl::StatusOr<std::unique_ptr<http::Server>> ServeGateway(
    Gateway& gateway, http::ConnectionEvents events = {}) {
  http::ServerOptions options;
  options.io_threads = 2;
  options.events = std::move(events);
  const testing::TestHttpMode mode = testing::HttpModeFromEnvironment();
  if (mode == testing::TestHttpMode::kH2 ||
      mode == testing::TestHttpMode::kHttp11Tls) {
    absl::StatusOr<std::shared_ptr<http::TlsContextStore>> tls =
        http::TlsContextStore::Create(
            {.cert_file = testing::kTestTlsCertFile,
             .key_file = testing::kTestTlsKeyFile,
             .alpn = tls::AlpnProtocols::kH2AndHttp11});
    if (!tls.ok()) return tls.status();
    options.tls = *std::move(tls);
  }
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
