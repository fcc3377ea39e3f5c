// TlsByteStream: the byte stream of HTTP/2 and HTTP/1.1 over TLS. After
// the handshake (Asio's ssl::stream, tls_handshake.cc) it takes the
// connection's SSL over and runs it on a BIO of its own (OpenSSL's BIO_METHOD
// interface: reads from the buffer the socket was read into, writes append to
// the buffer sent next) and the non-blocking socket itself: SSL_read/SSL_write
// straight into the session's buffers, SSL_read only when there is
// ciphertext to decrypt, one recv per readable event and no recv that only
// returns EAGAIN when the last one emptied the socket (it waits for
// readiness instead), and one send per WriteAll. (Asio's ssl::stream would
// cost per request a second SSL_read, three ERR_clear_error calls, copies
// through a BIO pair and a recv that returns EAGAIN.) Private to
// protogate::http.
//
// Reads complete inline, in a loop: a `done` that calls ReadSome again is
// served by the same loop, not by recursion. Writes complete through a
// post, like Asio's.
//
// Thread safety: the loop thread of the socket's io_context only.
// Ownership: owns the ConnectionStream (socket, SSL). A pending ReadSome or
// WriteAll keeps its `done` (which keeps the owner alive) until it runs;
// handlers left after destruction see it gone and return.
//
// HTTP/1.1 over TLS (session.cc) runs on it too.
//
// Example (server.cc, ALPN chose h2):
//   StartHttp2(loop, config, TlsByteStream::Create(std::move(stream)));
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "gateway/http/byte_stream.h"
#include "gateway/http/connection_stream.h"

namespace protogate::http {

class TlsByteStream final : public ByteStream {
 public:
  // REQUIRES: stream.is_tls() and its handshake is done. Moves the
  // ciphertext Asio had buffered past the handshake into the new input.
  static std::unique_ptr<TlsByteStream> Create(ConnectionStream stream);
  ~TlsByteStream() override;
  TlsByteStream(const TlsByteStream&) = delete;
  TlsByteStream& operator=(const TlsByteStream&) = delete;

  void ReadSome(boost::asio::mutable_buffer buffer, IoDone done) override;
  // REQUIRES: no other WriteAll pending.
  void WriteAll(boost::asio::const_buffer buffer, IoDone done) override;
  // `first` then `second` (HTTP/1.1: a response head and its body), in one
  // send; `done` gets the sum of their sizes.
  // REQUIRES: no other WriteAll pending.
  void WriteAll(boost::asio::const_buffer first,
                boost::asio::const_buffer second, IoDone done);
  // Sends a close_notify alert (SSL_shutdown); reads go on until the
  // peer's (eof). REQUIRES: no WriteAll pending.
  void WriteCloseNotify(IoDone done);
  // For an idle connection: frees OpenSSL's record buffers
  // (SSL_free_buffers) and this stream's receive and send buffers, if none
  // holds bytes; they are allocated again when needed. False if some did
  // (a partial record: try again later).
  bool ReleaseIdleBuffers();
  // The connection: its TCP layer (timeouts, socket) and TLS stream.
  ConnectionStream& stream() { return stream_; }
  void Close() override;
  std::string RemoteAddress() const override;
  std::shared_ptr<const std::string> PeerSubject() const override {
    return stream_.peer_subject();
  }

 private:
  // Whether the socket may hold unread bytes.
  enum class SocketInput { kUnknown, kDrained, kEof };

  struct Bio;  // The BIO_METHOD's callbacks.

  explicit TlsByteStream(ConnectionStream stream);
  LoopSocket& socket() { return stream_.tcp().socket(); }
  enum class DecryptResult { kCompleted, kNeedsInput };

  // Serves read_done_ until it is empty or must wait for the socket.
  void PumpRead();
  // One SSL_read into read_buffer_: kCompleted if it completed the read
  // (with data or an error), kNeedsInput if SSL needs more ciphertext.
  DecryptResult Decrypt();
  void WaitReadable();
  // One non-blocking recv into the input BIO. False if it failed (the
  // error completes the read).
  bool ReceiveCipher();
  void FinishRead(const boost::system::error_code& ec, size_t bytes);
  // SSL_write of all of `buffer` into to_send_; false if it failed.
  bool Encrypt(boost::asio::const_buffer buffer);
  // Sends the output BIO; completes write_done_ once it is all sent.
  void SendCipher();
  void FinishWrite(const boost::system::error_code& ec);

  ConnectionStream stream_;
  SSL* ssl_;
  // Ciphertext received; SSL reads [received_read_, received_end_).
  std::vector<char> received_;
  size_t received_read_ = 0;
  size_t received_end_ = 0;
  std::string to_send_;  // Ciphertext SSL wrote; sent_ bytes of it are sent.
  SocketInput input_ = SocketInput::kUnknown;
  boost::asio::mutable_buffer read_buffer_;
  IoDone read_done_;
  bool pumping_ = false;
  bool waiting_readable_ = false;
  IoDone write_done_;
  size_t write_bytes_ = 0;
  size_t sent_ = 0;
  bool sending_ = false;
  bool closed_ = false;
  // False once destroyed: handlers that outlive the stream check it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace protogate::http
