// Server: an HTTP/1.1 server on Boost.Beast that hands each request to a
// Handler and writes the Response it gets back. Knows nothing of protobuf.
//
// Behaviour: keep-alive and pipelining (answers in order); N I/O threads,
// each with its own io_context, a connection staying on one; header and body
// limits (431/413 before reading an over-long body); read timeout per request
// and idle timeout between requests; framing checks of the bad-input
// catalogue (CL+TE, TE on HTTP/1.0, TE other than "chunked", missing or
// duplicate Host, ...) answered with 400 + `Connection: close`. Errors the
// server produces itself are google.rpc.Status-shaped JSON.
//
// Thread safety: Start()/Shutdown()/port() may be called from any thread.
// The handler is called on I/O threads, concurrently; it must not block.
// Ownership: the Server owns its threads and connections; the handler must
// stay valid until Shutdown() returns.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto server, Server::Start(options,
//       [](const Request& req, Responder r) { r.Send({.status = 204}); }));
//   ...
//   server->Shutdown(absl::Seconds(10));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"

namespace protogate::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port().
  int io_threads = 0;  // 0: one per core.
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  absl::Duration read_timeout = absl::Seconds(30);  // One whole request.
  absl::Duration idle_timeout = absl::Seconds(60);  // Between requests.
  std::string server_name = "protogate";
};

using Handler = std::function<void(const Request&, Responder)>;

class Server {
 public:
  // Binds and starts serving. Returns Unavailable when the address cannot be
  // bound (the message names it), InvalidArgument for a bad host.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options,
                                                       Handler handler);
  ~Server();  // Shuts down with a zero grace period if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;

  // Graceful drain: stops accepting, closes idle keep-alive connections,
  // lets in-flight requests finish (their responses carry
  // `Connection: close`) for up to `grace`, then closes everything and joins
  // the I/O threads. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace protogate::http
