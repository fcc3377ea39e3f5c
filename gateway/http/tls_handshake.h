// TlsHandshake: the TLS front of one accepted connection. Runs the server
// handshake (bounded by the handshake timeout), then hands the connection
// on by the ALPN result: "h2" to the HTTP/2 session factory, anything else
// (or no ALPN) to an HTTP/1.1 Session. A failed or timed-out handshake
// closes the connection, counts (TlsFront::failed) and logs once per peer
// address (tls::HandshakeFailureLog); nothing else is done for it.
// Private to protogate::http.
//
// Thread safety: everything runs on the thread of the connection's IoLoop.
// Ownership: shared_ptr, kept alive by its pending operations; the loop's
// `handshakes` set holds a raw pointer from Start() to Close().
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>

#include "absl/time/time.h"
#include "gateway/http/connection.h"
#include "gateway/http/connection_stream.h"
#include "gateway/http/io_loop.h"
#include "gateway/tls/handshake_failure_log.h"

namespace protogate::http {

// What a connection that finished its handshake is handed to: the loop, the
// stream and the ALPN protocol selected ("h2", "http/1.1" or "").
using EstablishedConnection =
    std::function<void(const std::shared_ptr<IoLoop>& loop,
                       ConnectionStream stream, std::string_view alpn)>;

// What every handshake of a listener shares. Immutable but for the log,
// which is thread-safe.
struct TlsFront {
  absl::Duration handshake_timeout;
  std::function<void()> failed;  // Counts a failed handshake; may be empty.
  EstablishedConnection established;
  mutable tls::HandshakeFailureLog failure_log{{}};
};

class TlsHandshake : public Connection,
                     public std::enable_shared_from_this<TlsHandshake> {
 public:
  // `socket` must be bound to `loop->ioc`; `context` is the listener's
  // current TLS context.
  TlsHandshake(std::shared_ptr<IoLoop> loop,
               std::shared_ptr<const TlsFront> front,
               boost::asio::ssl::context& context, LoopSocket socket);

  // Loop thread. Registers with the loop and starts the handshake; closes
  // at once if the loop is draining.
  void Start();
  // A handshake is not a request in flight: draining closes it.
  void BeginDrain() override { Close(); }
  // Loop thread. Closes the connection; idempotent.
  void Close() override;

 private:
  void OnHandshake(const boost::system::error_code& ec);
  void Fail(const boost::system::error_code& ec);

  const std::shared_ptr<IoLoop> loop_;
  const std::shared_ptr<const TlsFront> front_;
  TlsStream stream_;
  bool registered_ = false;
  bool closed_ = false;
};

}  // namespace protogate::http
