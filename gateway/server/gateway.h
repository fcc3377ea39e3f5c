// Gateway: the front of one listener. Holds the snapshot new requests use
// and sends each request to the admin endpoints (paths under /-/, admin.h)
// or to the request path (proxy::Proxy).
//
// Thread safety: Handle()/HandleAdmin() are called concurrently from HTTP
// I/O threads; SetSnapshot()/SetServing() may be called from any thread. A
// request keeps the snapshot it started with.
// Ownership: shares ownership of snapshots; must outlive the http::Server
// that calls it.
//
// Example:
//   Gateway gateway(snapshot, {.log_requests = true});
//   http::Server::Start(opts, [&](const http::Request& r, http::Responder s) {
//     gateway.Handle(r, std::move(s));
//   });
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/observability/metrics_registry.h"
#include "gateway/observability/request_observer.h"
#include "gateway/proxy/proxy.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/transcoding/options.h"

namespace protogate::server {

// Where the admin endpoints (/-/...) are served.
enum class AdminEndpoints {
  kPublicListener,    // Handle() serves them.
  kSeparateListener,  // Only HandleAdmin(); Handle() answers /-/ with 404.
};

struct GatewayOptions {
  bool log_requests = false;
  AdminEndpoints admin = AdminEndpoints::kPublicListener;
  transcoding::ParseOptions parse;
  transcoding::PrintOptions print;
  // Telemetry (telemetry.h): GET /-/metrics scrapes `metrics`; `observer`
  // counts, logs and traces every proxied request. Null: off.
  observability::MetricsRegistry* metrics = nullptr;
  const observability::RequestObserver* observer = nullptr;
};

class Gateway {
 public:
  Gateway(std::shared_ptr<const proxy::Snapshot> snapshot,
          GatewayOptions options);

  // Serves a request of the public listener (the admin endpoints too,
  // unless options.admin is kSeparateListener: then /-/ paths go to the
  // proxy, which has no route for them).
  void Handle(const http::Request& request, http::Responder responder);
  // Serves a request of the admin listener: /-/ endpoints only, others 404.
  void HandleAdmin(const http::Request& request, http::Responder responder);

  // Replaces the snapshot new requests use. REQUIRES: snapshot != nullptr.
  void SetSnapshot(std::shared_ptr<const proxy::Snapshot> snapshot) {
    snapshot_.store(std::move(snapshot));
  }
  std::shared_ptr<const proxy::Snapshot> snapshot() const {
    return snapshot_.load();
  }
  // proxy::Proxy::StreamsRequestBody on the current snapshot.
  bool StreamsRequestBody(std::string_view method,
                          std::string_view target) const {
    return proxy::Proxy::StreamsRequestBody(*snapshot(), method, target);
  }

  // While not serving, /-/healthz answers 503 (used while draining).
  void SetServing(bool serving) { serving_.store(serving); }

 private:
  // GET /-/metrics, when a registry is set.
  bool ServedMetrics(const http::Request& request, http::Responder& responder);

  const AdminEndpoints admin_;
  observability::MetricsRegistry* const metrics_;
  const proxy::Proxy proxy_;
  std::atomic<bool> serving_{true};
  // Read by every request, replaced by reloads.
  std::atomic<std::shared_ptr<const proxy::Snapshot>> snapshot_;
};

}  // namespace protogate::server
