#include "gateway/http/tls_handshake.h"

#include <openssl/err.h>

#include <utility>

#include "gateway/base/logging.h"
#include "gateway/tls/peer_certificate.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;

std::string PeerAddress(const TcpStream& tcp) {
  boost::system::error_code ec;
  asio::ip::tcp::endpoint endpoint = tcp.socket().remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

}  // namespace

TlsHandshake::TlsHandshake(std::shared_ptr<IoLoop> loop,
                           std::shared_ptr<const TlsFront> front,
                           boost::asio::ssl::context& context,
                           LoopSocket socket)
    : loop_(std::move(loop)),
      front_(std::move(front)),
      stream_(TcpStream(std::move(socket)), context) {}

void TlsHandshake::Start() {
  loop_->sessions.insert(this);
  registered_ = true;
  if (loop_->draining) {
    Close();
    return;
  }
  stream_.next_layer().expires_after(
      absl::ToChronoNanoseconds(front_->handshake_timeout));
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const boost::system::error_code& ec) {
        self->OnHandshake(ec);
      });
}

void TlsHandshake::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  stream_.next_layer().socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                         ignored);
  stream_.next_layer().close();
  if (registered_) loop_->sessions.erase(this);
  ReleaseLoopIfDrained(*loop_);
}

void TlsHandshake::Fail(const boost::system::error_code& ec) {
  if (front_->failed) front_->failed();
  const std::string peer = PeerAddress(stream_.next_layer());
  if (front_->failure_log.ShouldLog(peer)) {
    PG_LOG(kWarning) << "tls: handshake with " << peer
                     << " failed: " << ec.message()
                     << " (further failures from it are counted in "
                        "protogate_tls_handshake_failures_total, not logged)";
  }
  ERR_clear_error();
  Close();
}

void TlsHandshake::OnHandshake(const boost::system::error_code& ec) {
  if (closed_) return;
  if (ec) {
    Fail(ec);
    return;
  }
  loop_->sessions.erase(this);
  registered_ = false;
  closed_ = true;  // The stream moves on.
  SSL* ssl = stream_.native_handle();
  const std::string alpn(tls::SelectedAlpn(ssl));
  std::string subject = tls::VerifiedPeerSubject(ssl);
  front_->established(
      loop_, ConnectionStream(std::move(stream_), std::move(subject)), alpn);
}

}  // namespace protogate::http
