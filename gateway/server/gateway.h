// Gateway: the HTTP handler that serves REST/JSON requests by calling gRPC
// backends, plus the admin endpoints under /-/.
//
// Per request: match the route in the current snapshot, assemble the
// protobuf request (path, query, body), call the backend without blocking
// (or run the method's composition plan), and write the JSON response or a
// google.rpc.Status error body with the mapped HTTP status. Every request
// gets a request id (header_rules.h: the client's x-request-id or a new
// one), its forwarded headers become the call's metadata by the snapshot's
// HeaderRules, and every response carries x-request-id and the configured
// response headers.
//
// Thread safety: Handle() is called concurrently from HTTP I/O threads;
// SetSnapshot()/SetServing() may be called from any thread. A request keeps
// the snapshot it started with.
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

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "aggregator/executor.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/server/snapshot.h"
#include "gateway/transcoding/options.h"
#include "gateway/transcoding/request_transcoder.h"

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
};

class Gateway {
 public:
  Gateway(std::shared_ptr<const Snapshot> snapshot, GatewayOptions options);

  // Serves a request of the public listener (the admin endpoints too,
  // unless options.admin is kSeparateListener: then /-/ paths are 404).
  void Handle(const http::Request& request, http::Responder responder);
  // Serves a request of the admin listener: /-/ endpoints only, others 404.
  void HandleAdmin(const http::Request& request, http::Responder responder);

  // Replaces the snapshot new requests use. REQUIRES: snapshot != nullptr.
  void SetSnapshot(std::shared_ptr<const Snapshot> snapshot);
  // For http::ServerOptions::stream_body: true when the request goes to a
  // client- or bidi-streaming route, whose body is then pumped into the
  // call as it arrives instead of being read whole first. Any thread.
  bool StreamsRequestBody(std::string_view method,
                          std::string_view target) const;

  // While not serving, /-/healthz answers 503 (used while draining).
  void SetServing(bool serving) { serving_.store(serving); }

 private:
  std::shared_ptr<const Snapshot> snapshot() const;
  void HandleRoute(std::shared_ptr<const Snapshot> snapshot,
                   const http::Request& request, std::string_view request_id,
                   http::Responder responder) const;
  // What HandleRoute resolved for a streaming call.
  struct StreamCallParts {
    absl::Span<const transcoding::PathBinding> bindings;
    absl::Time deadline;
    upstream::Metadata metadata;  // Request headers by the header rules.
  };
  // Answers a client-, server- or bidi-streaming method (stream_relay.h).
  void HandleStream(std::shared_ptr<const Snapshot> snapshot,
                    const RouteRuntime& rt, StreamCallParts parts,
                    const http::Request& request,
                    http::Responder responder) const;
  // Answers a method that has a composition plan by running it.
  void RunPlan(std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
               upstream::Metadata metadata, upstream::CallRequest call,
               http::Responder responder) const;

  const GatewayOptions options_;
  const aggregator::Executor executor_{};
  std::atomic<bool> serving_{true};
  // Read by every request, replaced by reloads.
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
};

}  // namespace protogate::server
