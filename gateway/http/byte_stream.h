// ByteStream: the connected byte stream under an HTTP/2 connection, reduced
// to the three operations the session needs, so the same session runs over
// plaintext TCP (TcpByteStream, h2c) and over TLS (TlsByteStream). Private to
// protogate::http.
//
// Thread safety: every method runs on the loop thread of the stream's
// io_context; completion handlers run there too.
// Ownership: owned by its session; destroying it closes the socket.
//
// Example:
//   auto stream = std::make_unique<TcpByteStream>(std::move(socket));
//   stream->ReadSome(asio::buffer(buf), [](const error_code& ec, size_t n) {});
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "gateway/http/connection_stream.h"
#include "gateway/http/io_loop.h"

namespace protogate::http {

using IoDone =
    absl::AnyInvocable<void(const boost::system::error_code&, size_t)>;

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads at least one byte into `buffer`.
  virtual void ReadSome(boost::asio::mutable_buffer buffer, IoDone done) = 0;
  // Writes all of `buffer` (which must stay valid until `done` runs).
  virtual void WriteAll(boost::asio::const_buffer buffer, IoDone done) = 0;
  // Shuts down and closes; pending operations complete with an error.
  virtual void Close() = 0;
  // "host:port" of the peer ("[v6]:port"), or "" if unknown.
  virtual std::string RemoteAddress() const = 0;
  // The verified client certificate's subject (TLS with client
  // certificates), shared by the connection's requests; else null.
  virtual std::shared_ptr<const std::string> PeerSubject() const {
    return nullptr;
  }
};

// Plaintext TCP.
class TcpByteStream final : public ByteStream {
 public:
  explicit TcpByteStream(LoopSocket socket) : socket_(std::move(socket)) {}
  void ReadSome(boost::asio::mutable_buffer buffer, IoDone done) override {
    socket_.async_read_some(buffer, std::move(done));
  }
  void WriteAll(boost::asio::const_buffer buffer, IoDone done) override {
    boost::asio::async_write(socket_, buffer, std::move(done));
  }
  void Close() override;
  std::string RemoteAddress() const override;

 private:
  LoopSocket socket_;
};

// "host:port" of the socket's peer ("[v6]:port"), or "" if unknown.
std::string FormatRemoteEndpoint(const LoopSocket& socket);

}  // namespace protogate::http
