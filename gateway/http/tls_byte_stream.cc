#include "gateway/http/tls_byte_stream.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <climits>
#include <cstring>
#include <utility>

namespace protogate::http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// One recv takes at most a full TLS record and its header.
constexpr size_t kReceiveBytes = 17 * 1024;
// The send buffer keeps its memory between writes up to this size.
constexpr size_t kKeptSendBytes = 64 * 1024;

// SSL_get_error needs an empty error queue before the call; clearing an
// empty one costs more than looking.
void ClearOpenSslErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

struct TlsByteStream::Bio {
  static TlsByteStream* Stream(BIO* bio) {
    return static_cast<TlsByteStream*>(BIO_get_data(bio));
  }
  static int Read(BIO* bio, char* out, int size) {
    TlsByteStream* self = Stream(bio);
    BIO_clear_retry_flags(bio);
    if (self == nullptr) return -1;
    const size_t available = self->received_end_ - self->received_read_;
    if (available == 0) {
      BIO_set_retry_read(bio);
      return -1;
    }
    const size_t n = std::min(available, static_cast<size_t>(size));
    std::memcpy(out, self->received_.data() + self->received_read_, n);
    self->received_read_ += n;
    return static_cast<int>(n);
  }
  static int Write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    TlsByteStream* self = Stream(bio);
    if (self == nullptr) return -1;
    self->to_send_.append(data, static_cast<size_t>(size));
    return size;
  }
  static long Ctrl(BIO* bio, int command, long, void*) {
    TlsByteStream* self = Stream(bio);
    if (self == nullptr) return 0;
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;
      case BIO_CTRL_PENDING:
        return static_cast<long>(self->received_end_ - self->received_read_);
      case BIO_CTRL_WPENDING:
        return static_cast<long>(self->to_send_.size() - self->sent_);
      default:
        return 0;
    }
  }
  static int Create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }
  static const BIO_METHOD* Method() {
    static const BIO_METHOD* const method = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                   "protogate h2 tls");
      BIO_meth_set_read(m, &Read);
      BIO_meth_set_write(m, &Write);
      BIO_meth_set_ctrl(m, &Ctrl);
      BIO_meth_set_create(m, &Create);
      return m;
    }();
    return method;
  }
};

std::unique_ptr<TlsByteStream> TlsByteStream::Create(ConnectionStream stream) {
  return std::unique_ptr<TlsByteStream>(new TlsByteStream(std::move(stream)));
}

TlsByteStream::TlsByteStream(ConnectionStream stream)
    : stream_(std::move(stream)),
      ssl_(stream_.tls().native_handle()),
      received_(kReceiveBytes) {
  // What Asio's BIO pair holds past the handshake (the client's first
  // records, sent with its Finished) is the start of the new input.
  BIO* asio_bio = SSL_get_rbio(ssl_);
  for (;;) {
    if (received_end_ == received_.size())
      received_.resize(2 * received_.size());
    const int n = BIO_read(asio_bio, received_.data() + received_end_,
                           static_cast<int>(received_.size() - received_end_));
    if (n <= 0) break;
    received_end_ += static_cast<size_t>(n);
  }
  BIO* bio = BIO_new(Bio::Method());
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // Frees Asio's end of the pair.
  // Asio asks OpenSSL to free its record buffers whenever they empty; a
  // connection carrying many requests keeps them (~34 KiB).
  SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
  // SSL_read goes past records that carry no data (a KeyUpdate).
  SSL_set_mode(ssl_, SSL_MODE_AUTO_RETRY);
  stream_.tcp().expires_never();
  error_code ec;
  socket().non_blocking(true, ec);
}

TlsByteStream::~TlsByteStream() {
  *alive_ = false;
  // The SSL (and the BIO) outlive the buffers the BIO points into.
  BIO_set_data(SSL_get_rbio(ssl_), nullptr);
}

void TlsByteStream::ReadSome(asio::mutable_buffer buffer, IoDone done) {
  read_buffer_ = buffer;
  read_done_ = std::move(done);
  if (pumping_ || waiting_readable_) return;
  // Called from outside a read chain: the loop may have polled since the
  // last recv, so whether the socket is empty is not known.
  if (input_ == SocketInput::kDrained) input_ = SocketInput::kUnknown;
  PumpRead();
}

void TlsByteStream::PumpRead() {
  pumping_ = true;
  const std::shared_ptr<bool> alive = alive_;
  while (read_done_ != nullptr) {
    if (closed_) {
      FinishRead(asio::error::operation_aborted, 0);
    } else if (Decrypt() == DecryptResult::kCompleted) {
      // The read completed (data or an error).
    } else if (input_ == SocketInput::kEof) {
      FinishRead(asio::error::eof, 0);
    } else if (input_ == SocketInput::kUnknown) {
      ReceiveCipher();
    } else {
      WaitReadable();
      break;
    }
    if (!*alive) return;
  }
  pumping_ = false;
}

TlsByteStream::DecryptResult TlsByteStream::Decrypt() {
  // Nothing received and nothing buffered in SSL: SSL_read could only ask
  // for input (a call that costs about a thousand instructions).
  if (received_read_ == received_end_ && SSL_has_pending(ssl_) == 0) {
    return DecryptResult::kNeedsInput;
  }
  ClearOpenSslErrors();
  const int n = SSL_read(
      ssl_, read_buffer_.data(),
      static_cast<int>(std::min<size_t>(read_buffer_.size(), INT_MAX)));
  if (n > 0) {
    if (to_send_.size() > sent_) SendCipher();  // E.g. a KeyUpdate reply.
    FinishRead({}, static_cast<size_t>(n));
    return DecryptResult::kCompleted;
  }
  const int error = SSL_get_error(ssl_, n);
  if (error == SSL_ERROR_WANT_READ) return DecryptResult::kNeedsInput;
  if (error == SSL_ERROR_ZERO_RETURN) {  // close_notify
    FinishRead(asio::error::eof, 0);
  } else {
    ERR_clear_error();
    FinishRead(asio::ssl::error::stream_truncated, 0);
  }
  return DecryptResult::kCompleted;
}

void TlsByteStream::WaitReadable() {
  // The last recv of this chain emptied the socket: the next bytes raise a
  // readiness event, so wait for it rather than recv again.
  waiting_readable_ = true;
  socket().async_wait(LoopSocket::wait_read,
                      [this, alive = alive_](const error_code& ec) {
                        if (!*alive) return;
                        waiting_readable_ = false;
                        if (ec && !closed_) {
                          FinishRead(ec, 0);
                          if (!*alive) return;
                        }
                        input_ = SocketInput::kUnknown;
                        PumpRead();
                      });
}

bool TlsByteStream::ReceiveCipher() {
  // SSL asks for more once it has read all that was received (what is
  // left, if anything, moves to the front).
  if (received_read_ != 0) {  // (received_ may be released: data() null.)
    std::memmove(received_.data(), received_.data() + received_read_,
                 received_end_ - received_read_);
    received_end_ -= received_read_;
    received_read_ = 0;
  }
  if (received_.size() < kReceiveBytes) [[unlikely]] {
    received_.resize(kReceiveBytes);  // Released while idle.
  } else if (received_end_ == received_.size()) {
    received_.resize(2 * received_.size());
  }
  const size_t room = received_.size() - received_end_;
  error_code ec;
  const size_t n = socket().read_some(
      asio::buffer(received_.data() + received_end_, room), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    input_ = SocketInput::kDrained;
    return true;
  }
  if (ec == asio::error::eof) {
    input_ = SocketInput::kEof;
    return true;
  }
  if (ec) {
    FinishRead(ec, 0);
    return false;
  }
  received_end_ += n;
  input_ = n < room ? SocketInput::kDrained : SocketInput::kUnknown;
  return true;
}

void TlsByteStream::FinishRead(const error_code& ec, size_t bytes) {
  IoDone done = std::move(read_done_);
  read_done_ = nullptr;
  if (done != nullptr) std::move(done)(ec, bytes);
  // `done` may have held the last reference to the owner of this stream.
}

void TlsByteStream::WriteAll(asio::const_buffer buffer, IoDone done) {
  WriteAll(buffer, asio::const_buffer(), std::move(done));
}

void TlsByteStream::WriteAll(asio::const_buffer first,
                             asio::const_buffer second, IoDone done) {
  write_done_ = std::move(done);
  write_bytes_ = first.size() + second.size();
  if (closed_) {
    FinishWrite(asio::error::operation_aborted);
    return;
  }
  ClearOpenSslErrors();
  if (!Encrypt(first) || !Encrypt(second)) {
    ERR_clear_error();
    FinishWrite(asio::ssl::error::stream_truncated);
    return;
  }
  SendCipher();
}

bool TlsByteStream::Encrypt(asio::const_buffer buffer) {
  const char* data = static_cast<const char*>(buffer.data());
  size_t written = 0;
  while (written < buffer.size()) {
    const int n = SSL_write(
        ssl_, data + written,
        static_cast<int>(std::min<size_t>(buffer.size() - written, INT_MAX)));
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

void TlsByteStream::WriteCloseNotify(IoDone done) {
  write_done_ = std::move(done);
  write_bytes_ = 0;
  if (closed_) {
    FinishWrite(asio::error::operation_aborted);
    return;
  }
  ClearOpenSslErrors();
  // Queues the alert in to_send_; 0 (the peer's is not in yet) or 1.
  if (SSL_shutdown(ssl_) < 0) {
    ERR_clear_error();
    FinishWrite(asio::ssl::error::stream_truncated);
    return;
  }
  SendCipher();
}

void TlsByteStream::SendCipher() {
  if (sending_) return;  // The pending send takes what was added.
  const std::shared_ptr<bool> alive = alive_;
  while (sent_ < to_send_.size()) {
    if (closed_) {
      FinishWrite(asio::error::operation_aborted);
      return;
    }
    error_code ec;
    const size_t n = socket().write_some(
        asio::buffer(to_send_.data() + sent_, to_send_.size() - sent_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      sending_ = true;
      socket().async_wait(LoopSocket::wait_write,
                          [this, alive](const error_code& wait_ec) {
                            if (!*alive) return;
                            sending_ = false;
                            if (wait_ec) {
                              FinishWrite(wait_ec);
                              return;
                            }
                            SendCipher();
                          });
      return;
    }
    if (ec) {
      FinishWrite(ec);
      return;
    }
    sent_ += n;
  }
  if (to_send_.capacity() > kKeptSendBytes) {
    std::string().swap(to_send_);  // After a large answer: free it.
  } else {
    to_send_.clear();
  }
  sent_ = 0;
  if (write_done_ != nullptr) FinishWrite({});
}

void TlsByteStream::FinishWrite(const error_code& ec) {
  if (write_done_ == nullptr) return;
  // Posted, as Asio completes a write: the owner's handler may write again.
  asio::post(socket().get_executor(),
             [done = std::move(write_done_), ec,
              bytes = ec ? 0 : write_bytes_]() mutable {
               std::move(done)(ec, bytes);
             });
  write_done_ = nullptr;
}

bool TlsByteStream::ReleaseIdleBuffers() {
  if (received_read_ != received_end_ || sent_ < to_send_.size()) return false;
  if (SSL_free_buffers(ssl_) == 0) return false;
  std::vector<char>().swap(received_);
  received_read_ = received_end_ = 0;
  if (!sending_) {
    std::string().swap(to_send_);
    sent_ = 0;
  }
  return true;
}

void TlsByteStream::Close() {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.tcp().close();
}

std::string TlsByteStream::RemoteAddress() const {
  return FormatRemoteEndpoint(stream_.tcp().socket());
}

}  // namespace protogate::http
