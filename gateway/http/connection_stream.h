// ConnectionStream: the byte stream of one client connection, plain TCP or
// TLS over TCP, as an Asio AsyncReadStream/AsyncWriteStream. The HTTP
// sessions read and write through it without knowing which it is; the
// timeouts live on the TCP layer (beast::basic_stream::expires_after), so
// they bound TLS records the same way.
//
// Why a variant and not a template or virtual calls: the session code is
// compiled once, the plaintext path pays one predictable branch per I/O
// operation (next to a system call) and no allocation or indirect call, and
// handlers keep their concrete types.
//
// Thread safety: one connection; use on the thread of its loop.
// Ownership: owns the socket (and the TLS state, whose SSL_CTX OpenSSL keeps
// alive by reference count).
//
// Example:
//   ConnectionStream stream(TcpStream(std::move(socket)));
//   stream.tcp().expires_after(std::chrono::seconds(30));
//   stream.async_read_some(buffer, [](error_code ec, size_t n) { ... });
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace protogate::http {

using TcpStream =
    boost::beast::basic_stream<boost::asio::ip::tcp,
                               boost::asio::io_context::executor_type>;
using TlsStream = boost::beast::ssl_stream<TcpStream>;

class ConnectionStream {
 public:
  using executor_type = boost::asio::io_context::executor_type;

  // Plain TCP. (Built in place: moving a beast::basic_stream allocates.)
  explicit ConnectionStream(
      boost::asio::basic_stream_socket<boost::asio::ip::tcp, executor_type>
          socket)
      : stream_(std::in_place_type<TcpStream>, std::move(socket)) {}
  // A TLS stream whose handshake is done; `peer_subject` is the verified
  // client certificate's subject ("" without one).
  ConnectionStream(TlsStream tls, std::string peer_subject)
      : stream_(std::move(tls)) {
    if (!peer_subject.empty()) {
      peer_subject_ =
          std::make_shared<const std::string>(std::move(peer_subject));
    }
  }
  ConnectionStream(ConnectionStream&&) = default;
  // Not assignable (a TLS stream is not).
  ConnectionStream& operator=(ConnectionStream&&) = delete;

  executor_type get_executor() { return tcp().get_executor(); }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) [[unlikely]] {
      tls->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      std::get<TcpStream>(stream_).async_read_some(
          buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) [[unlikely]] {
      tls->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      std::get<TcpStream>(stream_).async_write_some(
          buffers, std::forward<Handler>(handler));
    }
  }

  // The TCP layer: timeouts, the socket, close().
  TcpStream& tcp() {
    if (auto* tls = std::get_if<TlsStream>(&stream_)) [[unlikely]] {
      return tls->next_layer();
    }
    return std::get<TcpStream>(stream_);
  }
  const TcpStream& tcp() const {
    return const_cast<ConnectionStream*>(this)->tcp();
  }

  bool is_tls() const { return std::holds_alternative<TlsStream>(stream_); }
  // The TLS stream. REQUIRES: is_tls().
  TlsStream& tls() { return std::get<TlsStream>(stream_); }

  // The verified client certificate's subject, shared by every request of
  // the connection; null over plain TCP or without a client certificate.
  const std::shared_ptr<const std::string>& peer_subject() const {
    return peer_subject_;
  }

 private:
  std::variant<TcpStream, TlsStream> stream_;
  std::shared_ptr<const std::string> peer_subject_;
};

}  // namespace protogate::http
