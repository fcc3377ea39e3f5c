// Server: an HTTP/1.1 (Boost.Beast) and HTTP/2 (nghttp2) server that hands
// each request to a Handler and writes the Response it gets back. Knows
// nothing of protobuf. Plaintext: a connection opening with the HTTP/2
// preface is served as HTTP/2 (h2c by prior knowledge,
// h2_server_session.h), every other as HTTP/1.1. Over TLS
// (ServerOptions::tls, tls_handshake.h) ALPN chooses: "h2" or "http/1.1".
// The handler sees the same Request either way.
//
// Behaviour: keep-alive and pipelining (answers in order); N I/O threads,
// each with its own io_context, a connection staying on one; header and body
// limits (431/413 before reading an over-long body); read timeout per request
// and idle timeout between requests; framing checks of the bad-input
// catalogue (docs/BAD_INPUTS.md: CL+TE, TE on HTTP/1.0, missing or duplicate
// Host, ... -> 400; TE other than "chunked" -> 501), each answered with
// `Connection: close`. Errors the server produces itself are
// google.rpc.Status-shaped JSON.
//
// Details: one request per connection is with the handler at a time; the
// next (pipelined) request is read after the response is written, so answers
// keep request order. Methods: any token of uppercase letters reaches the
// handler (custom google.api.http verbs); others get 501. Targets must be
// origin-form ('*' only with OPTIONS). `Expect: 100-continue` gets an interim
// 100 before the body is read. HEAD responses carry the Content-Length of the
// handler's body but no body. Every rejected request closes the connection.
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
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/http/tls_context_store.h"

namespace protogate::http {

// What a server tells its owner about connections and refused requests
// (for metrics). Each may be empty; called on the I/O threads, so they must
// be cheap and thread-safe.
struct ConnectionEvents {
  std::function<void()> opened;  // A connection was accepted.
  std::function<void()> closed;  // A connection is gone.
  // A request the server answered itself, before any handler: 400, 408,
  // 413, 414, 431, 501 (the status).
  std::function<void(int status)> refused;
  // A TLS handshake failed or timed out (the connection was closed).
  std::function<void()> tls_handshake_failed;
  // An idle HTTP/1.1-over-TLS connection gave its TLS record buffers back
  // (ServerOptions::tls_idle_buffer_release).
  std::function<void()> tls_buffers_released;
};

// HTTP/2 (h2c by prior knowledge; h2 over TLS): the server's own limits.
// The request limits of ServerOptions apply to HTTP/2 requests as well
// (max_header_bytes also bounds the decoded header list).
struct Http2Options {
  // Streams one connection may have open at once (SETTINGS); a client
  // opening more has them refused.
  uint32_t max_concurrent_streams = 100;
  // Receive windows: how many request body bytes a stream (and the whole
  // connection) may have in flight before the handler reads them.
  uint32_t initial_stream_window_bytes = 1024 * 1024;
  uint32_t initial_connection_window_bytes = 16 * 1024 * 1024;
  // Advertised SETTINGS_MAX_HEADER_LIST_SIZE and enforced (431); 0: the
  // server's max_header_bytes.
  uint32_t max_header_list_bytes = 0;
  // Rapid reset (CVE-2023-44487): RST_STREAM frames a client may send, as a
  // token bucket of `reset_burst` refilled at `resets_per_second`; beyond
  // it the connection gets GOAWAY ENHANCE_YOUR_CALM and is closed.
  uint32_t reset_burst = 200;
  uint32_t resets_per_second = 100;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;   // 0 picks a free port; see Server::port().
  int io_threads = 0;  // 0: one per core.
  // Request line plus header fields; over it: 414 (request line) or 431.
  size_t max_header_bytes = 16 * 1024;
  size_t max_header_count = 100;  // Header fields; over it: 431.
  // Decoded body; a larger declared Content-Length is answered 413 before
  // any body byte is read, a chunked body 413 as soon as it exceeds it.
  size_t max_body_bytes = 4 * 1024 * 1024;
  // One whole request, from its first byte to the end of its body; also
  // bounds writing one response. On expiry the connection is closed.
  absl::Duration read_timeout = absl::Seconds(30);
  // Waiting for the first byte of a request, on a new connection or between
  // requests of a keep-alive connection. On expiry the connection is closed.
  absl::Duration idle_timeout = absl::Seconds(60);
  std::string server_name = "protogate";  // Server header; "" omits it.
  // Called on the I/O thread when a request's head is complete and its body
  // is not: returning true hands the request to the handler at once, with
  // its body to read through Request::body_stream() (each read bounded by
  // read_timeout, the whole by max_body_bytes). Null: bodies are read
  // whole first.
  std::function<bool(std::string_view method, std::string_view target)>
      stream_body;
  ConnectionEvents events;
  // TLS termination: every connection starts with a TLS handshake using
  // the store's current context (ALPN then picks the protocol); the
  // verified client certificate's subject is on every Request of the
  // connection (Request::peer_certificate_subject). Null: plain TCP.
  std::shared_ptr<TlsContextStore> tls;
  // How long a TLS handshake may take; on expiry the connection is closed
  // and counted as a failed handshake.
  absl::Duration tls_handshake_timeout = absl::Seconds(10);
  // HTTP/1.1 over TLS keeps OpenSSL's record buffers (~34 KiB) while a
  // connection is in use; one that has waited for a request between this
  // and twice this long gives them back (a sweep per I/O thread).
  absl::Duration tls_idle_buffer_release = absl::Seconds(1);
  Http2Options http2;
};

using Handler = std::function<void(const Request&, Responder)>;

class Server {
 public:
  // Binds and starts serving. Returns Unavailable when the address cannot be
  // bound (the message names it), InvalidArgument for a bad host,
  // ResourceExhausted when the I/O threads cannot be started.
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options,
                                                       Handler handler);
  ~Server();  // Shuts down with a zero grace period if still running.
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;

  // Graceful drain: stops accepting, closes idle keep-alive connections,
  // lets in-flight requests finish (their responses carry
  // `Connection: close`) for up to `grace`, then closes everything and joins
  // the I/O threads. Idempotent; a concurrent second call waits for the
  // first. REQUIRES: not called from the handler or any I/O thread.
  void Shutdown(absl::Duration grace);

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace protogate::http
