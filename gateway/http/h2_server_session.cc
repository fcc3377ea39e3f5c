#include "gateway/http/h2_server_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "absl/status/status.h"
#include "gateway/base/logging.h"
#include "gateway/http/responder.h"
#include "gateway/http/session_util.h"
#include "gateway/http/tls_buffer_sweep.h"
#include "gateway/http/tls_byte_stream.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

// Reads use a small buffer while the client sends little (an idle
// connection holds only this much), and a large one after a read that
// filled the buffer: large enough that a burst of over max-outbound-ack
// SETTINGS or PING frames arrives in one read and is caught there as a flood.
constexpr size_t kIdleReadBytes = 4 * 1024;
constexpr size_t kBusyReadBytes = 64 * 1024;
// One socket write collects at most about this many frame bytes.
constexpr size_t kMaxWriteBytes = 256 * 1024;

// A streamed response's link to its stream. Each post carries its own
// references; End hands over the sink's.
class H2StreamSink final : public ResponseStream::Sink {
 public:
  H2StreamSink(H2ServerSession::Self session, H2ServerSession::StreamRef stream)
      : session_(std::move(session)), stream_(std::move(stream)) {}
  void Write(std::string data, WriteDone done) override {
    if (session_ == nullptr) {
      std::move(done)(false);
      return;
    }
    H2ServerSession::PostStreamWrite(session_, stream_, std::move(data),
                                     std::move(done));
  }
  void End(StreamEnd end, Trailers trailers) override {
    if (session_ == nullptr) return;
    H2ServerSession::PostStreamEnd(std::move(session_), std::move(stream_), end,
                                   std::move(trailers));
  }

 private:
  H2ServerSession::Self session_;
  H2ServerSession::StreamRef stream_;
};

class H2ResponderSink final : public Responder::Sink {
 public:
  H2ResponderSink(H2ServerSession::Self session,
                  H2ServerSession::StreamRef stream)
      : session_(std::move(session)), stream_(std::move(stream)) {}
  void SendResponse(Response response) override {
    if (session_ == nullptr) return;
    H2ServerSession::PostResponse(std::move(session_), std::move(stream_),
                                  std::move(response));
  }
  std::unique_ptr<ResponseStream::Sink> StartStream(Response head) override {
    if (session_ == nullptr) return nullptr;
    H2ServerSession::PostStreamHead(session_, stream_, std::move(head));
    return std::make_unique<H2StreamSink>(std::move(session_),
                                          std::move(stream_));
  }

 private:
  H2ServerSession::Self session_;
  H2ServerSession::StreamRef stream_;
};

// The request body of a stream dispatched before its body. Weak: the
// Request holding it lives in the stream.
class H2BodyStream final : public BodyStream {
 public:
  H2BodyStream(std::weak_ptr<H2ServerSession> session,
               std::weak_ptr<H2Stream> stream)
      : session_(std::move(session)), stream_(std::move(stream)) {}
  void Read(BodyReadDone done) override {
    H2ServerSession::Self session = session_.lock();
    H2ServerSession::StreamRef stream = stream_.lock();
    if (session == nullptr || stream == nullptr) {
      std::move(done)(absl::CancelledError("the request is over"));
      return;
    }
    H2ServerSession::PostBodyRead(std::move(session), std::move(stream),
                                  std::move(done));
  }

 private:
  std::weak_ptr<H2ServerSession> session_;
  std::weak_ptr<H2Stream> stream_;
};

absl::Duration WatchdogPeriod(const SessionConfig& config) {
  return std::clamp(std::min(config.read_timeout, config.idle_timeout) / 4,
                    absl::Milliseconds(10), absl::Seconds(1));
}

}  // namespace

H2ServerSession::H2ServerSession(std::shared_ptr<IoLoop> loop,
                                 std::shared_ptr<const SessionConfig> config,
                                 std::unique_ptr<ByteStream> stream)
    : loop_(std::move(loop)),
      config_(std::move(config)),
      stream_(std::move(stream)),
      tls_(dynamic_cast<TlsByteStream*>(stream_.get())),
      remote_address_(stream_->RemoteAddress()),
      peer_subject_(stream_->PeerSubject()),
      watchdog_(loop_->ioc) {
  if (config_->events.opened) config_->events.opened();
}

H2ServerSession::~H2ServerSession() {
  if (phase_ != Phase::kClosed) loop_->sessions.erase(this);
  if (session_ != nullptr) nghttp2_session_del(session_);
  if (config_->events.closed) config_->events.closed();
}

void H2ServerSession::Start() {
  loop_->sessions.insert(this);
  if (loop_->draining || !InitNghttp2()) {
    Close();
    return;
  }
  last_active_ = absl::Now();
  Flush();
  Read();
  ArmWatchdog();
}

void H2ServerSession::BeginDrain() {
  if (phase_ != Phase::kOpen) return;
  phase_ = Phase::kDraining;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_),
                        NGHTTP2_NO_ERROR, nullptr, 0);
  Flush();
}

void H2ServerSession::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  stream_->Close();
  watchdog_.cancel();
  loop_->sessions.erase(this);
  for (auto& [id, stream] : streams_) {
    stream->closed = true;
    CancelIfUnfinished(stream);
    FailPieces(*stream);
    if (stream->pending_read != nullptr) {
      deferred_.push_back([done = std::move(stream->pending_read)]() mutable {
        std::move(done)(absl::UnavailableError("the connection closed"));
      });
    }
  }
  streams_.clear();
  for (WriteDone& done : copied_dones_) {
    deferred_.push_back(
        [done = std::move(done)]() mutable { std::move(done)(false); });
  }
  copied_dones_.clear();
  RunDeferred();
  ReleaseLoopIfDrained(*loop_);
}

void H2ServerSession::Read() {
  const size_t size = read_filled_ ? kBusyReadBytes : kIdleReadBytes;
  if (in_.size() != size) in_ = std::vector<uint8_t>(size);
  stream_->ReadSome(
      asio::buffer(in_.data(), in_.size()),
      [self = shared_from_this()](const error_code& ec, size_t bytes) {
        self->OnRead(ec, bytes);
      });
}

void H2ServerSession::OnRead(const error_code& ec, size_t bytes) {
  if (phase_ == Phase::kClosed) return;
  if (ec) {  // EOF, reset, or closed under us.
    Close();
    return;
  }
  read_filled_ = bytes == in_.size();
  NoteTlsTraffic();
  const ssize_t rv = nghttp2_session_mem_recv(session_, in_.data(), bytes);
  RunDeferred();
  if (rv < 0) {
    // Floods and a bad preface close at once; other protocol errors get a
    // GOAWAY first.
    if (rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
      Close();
      return;
    }
    nghttp2_session_terminate_session(session_, NGHTTP2_PROTOCOL_ERROR);
    phase_ = Phase::kClosing;
  }
  Flush();
  if (phase_ == Phase::kOpen || phase_ == Phase::kDraining) Read();
}

void H2ServerSession::Flush() {
  if (phase_ == Phase::kClosed || writing_) return;
  out_.clear();
  while (out_.size() < kMaxWriteBytes) {
    const uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      Close();
      return;
    }
    if (n == 0) break;
    out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
  }
  RunDeferred();
  if (out_.empty()) {
    for (WriteDone& done : copied_dones_) std::move(done)(true);
    copied_dones_.clear();
    CloseIfDone();
    return;
  }
  writing_ = true;
  NoteTlsTraffic();
  write_started_ = std::chrono::steady_clock::now();
  writing_dones_ = std::move(copied_dones_);
  copied_dones_.clear();
  stream_->WriteAll(asio::buffer(out_),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->OnWrite(ec);
                    });
}

void H2ServerSession::OnWrite(const error_code& ec) {
  writing_ = false;
  std::vector<WriteDone> written = std::move(writing_dones_);
  writing_dones_.clear();
  for (WriteDone& done : written)
    std::move(done)(!ec && phase_ != Phase::kClosed);
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  Flush();
}

void H2ServerSession::RunDeferred() {
  while (!deferred_.empty()) {
    std::vector<absl::AnyInvocable<void()>> batch = std::move(deferred_);
    deferred_.clear();
    for (auto& fn : batch) fn();
    batch.clear();
    // The buffer goes back for the next request's callbacks.
    if (deferred_.empty()) deferred_.swap(batch);
  }
}

void H2ServerSession::CloseIfDone() {
  const bool finished = phase_ == Phase::kClosing ||
                        (phase_ == Phase::kDraining && streams_.empty()) ||
                        (!nghttp2_session_want_read(session_) &&
                         !nghttp2_session_want_write(session_));
  if (finished && !writing_) Close();
}

void H2ServerSession::NoteTlsTraffic() {
  if (tls_ == nullptr) return;
  tls_buffers_ = TlsBuffers::kUsed;
  ArmTlsBufferSweep(*loop_, config_->tls_idle_buffer_release);
}

Connection::HeldBuffers H2ServerSession::SweepIdleBuffers() {
  if (tls_ == nullptr || phase_ != Phase::kOpen ||
      tls_buffers_ == TlsBuffers::kReleased) {
    return HeldBuffers::kNone;
  }
  // Busy (a stream open, a write in flight): the buffers are in use and the
  // sweep stays armed, as the end of the work may move no more bytes (the
  // last write completes, the last stream closes) and so arm nothing.
  if (!streams_.empty() || writing_) {
    tls_buffers_ = TlsBuffers::kUsed;
    return HeldBuffers::kHeld;
  }
  const HeldBuffers held = SweepIdleTlsBuffers(
      *tls_, tls_buffers_, config_->events.tls_buffers_released);
  if (tls_buffers_ == TlsBuffers::kReleased) std::string().swap(out_);
  return held;
}

void H2ServerSession::ArmWatchdog() {
  watchdog_.expires_after(absl::ToChronoNanoseconds(WatchdogPeriod(*config_)));
  watchdog_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->OnWatchdog();
  });
}

void H2ServerSession::OnWatchdog() {
  if (phase_ == Phase::kClosed) return;
  const absl::Time now = absl::Now();
  const absl::Duration limit = config_->read_timeout;
  if (writing_ && std::chrono::steady_clock::now() - write_started_ >
                      absl::ToChronoNanoseconds(limit)) {
    Close();  // The client stopped reading the connection.
    return;
  }
  if (streams_.empty() && phase_ == Phase::kOpen &&
      now - last_active_ > config_->idle_timeout) {
    BeginDrain();  // No streams: GOAWAY and close.
  }
  std::vector<StreamRef> streams;
  for (auto& [id, stream] : streams_) streams.push_back(stream);
  for (const StreamRef& stream : streams) {
    const bool request_late =
        stream->response_phase == H2ResponsePhase::kWaiting &&
        now - stream->opened > limit;
    const bool read_late =
        stream->pending_read != nullptr && now - stream->read_started > limit;
    const bool write_stalled =
        stream->response_phase == H2ResponsePhase::kSending &&
        stream->HasUnsentBody() && now - stream->last_progress > limit;
    if (read_late) {
      deferred_.push_back([done = std::move(stream->pending_read)]() mutable {
        std::move(done)(absl::DeadlineExceededError(
            "the request body did not arrive within the read timeout"));
      });
    }
    if (request_late || read_late || write_stalled) {
      ResetStream(stream, NGHTTP2_CANCEL);
    }
  }
  RunDeferred();
  Flush();
  if (phase_ != Phase::kClosed) ArmWatchdog();
}

void H2ServerSession::ScheduleFlush() {
  if (flush_scheduled_ || phase_ == Phase::kClosed) return;
  flush_scheduled_ = true;
  asio::post(loop_->ioc, [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->Flush();
  });
}

// A streamed response's head, pieces and end are posted one after another
// (a gRPC answer: all three from one upstream read); flushing them together
// makes one socket write (one TLS record) instead of one per call.
template <typename Fn>
void H2ServerSession::PostToLoop(Self self, AfterPost after, Fn fn) {
  std::shared_ptr<IoLoop> loop = self->loop_;  // Outlives the lock below.
  {
    absl::MutexLock lock(&loop->mu);
    if (!loop->stopped) {
      asio::post(loop->ioc,
                 [self = std::move(self), after, fn = std::move(fn)]() mutable {
                   fn(self.get());
                   self->RunDeferred();
                   if (after == AfterPost::kFlush) {
                     self->Flush();
                   } else {
                     self->ScheduleFlush();
                   }
                 });
      return;
    }
  }
  fn(nullptr);
}

void H2ServerSession::PostResponse(Self self, StreamRef stream,
                                   Response response) {
  PostToLoop(std::move(self), AfterPost::kFlush,
             [stream = std::move(stream), response = std::move(response)](
                 H2ServerSession* session) mutable {
               if (session != nullptr)
                 session->SubmitResponse(stream, std::move(response));
             });
}

void H2ServerSession::PostStreamHead(Self self, StreamRef stream,
                                     Response head) {
  PostToLoop(std::move(self), AfterPost::kScheduleFlush,
             [stream = std::move(stream),
              head = std::move(head)](H2ServerSession* session) mutable {
               if (session != nullptr) {
                 session->StartStream(stream, std::move(head));
               }
             });
}

void H2ServerSession::PostStreamWrite(Self self, StreamRef stream,
                                      std::string data, WriteDone done) {
  PostToLoop(std::move(self), AfterPost::kScheduleFlush,
             [stream = std::move(stream), data = std::move(data),
              done = std::move(done)](H2ServerSession* session) mutable {
               if (session == nullptr) {
                 std::move(done)(false);
                 return;
               }
               session->QueuePiece(stream, std::move(data), std::move(done));
             });
}

void H2ServerSession::PostStreamEnd(Self self, StreamRef stream, StreamEnd end,
                                    Trailers trailers) {
  PostToLoop(std::move(self), AfterPost::kFlush,
             [stream = std::move(stream), end, trailers = std::move(trailers)](
                 H2ServerSession* session) mutable {
               if (session != nullptr) {
                 session->EndStream(stream, end, std::move(trailers));
               }
             });
}

void H2ServerSession::PostBodyRead(Self self, StreamRef stream,
                                   BodyReadDone done) {
  PostToLoop(
      std::move(self), AfterPost::kFlush,
      [stream = std::move(stream),
       done = std::move(done)](H2ServerSession* session) mutable {
        if (session == nullptr) {
          std::move(done)(absl::CancelledError("the server is stopping"));
          return;
        }
        session->ReadBody(stream, std::move(done));
      });
}

void H2ServerSession::Dispatch(const StreamRef& stream) {
  std::vector<Request::Header> headers = std::move(stream->headers);
  if (!stream->cookies.empty()) {
    headers.emplace_back("cookie", std::move(stream->cookies));
  }
  if (!stream->authority.empty()) SetHost(headers, stream->authority);
  stream->head_request = stream->method == "HEAD";
  stream->request.emplace(
      std::move(stream->method), std::move(stream->path), std::move(headers),
      stream->body_streamed ? std::string() : std::move(stream->body),
      remote_address_);
  stream->request->set_peer_certificate_subject(peer_subject_);
  stream->request->set_cancellation(&stream->cancellation);
  stream->request->set_http_version(HttpVersion::kHttp2);
  if (stream->body_streamed) {
    stream->request->set_body_stream(
        std::make_shared<H2BodyStream>(weak_from_this(), stream));
  } else {
    stream->body = std::string();
  }
  stream->response_phase = H2ResponsePhase::kHandling;
  deferred_.push_back([self = shared_from_this(), stream] {
    Responder responder(std::make_shared<H2ResponderSink>(self, stream));
    try {
      self->config_->handler(*stream->request, std::move(responder));
    } catch (const std::exception& e) {
      PG_LOG(kError) << "http: handler threw: " << e.what();
    } catch (...) {
      PG_LOG(kError) << "http: handler threw a non-exception";
    }
  });
}

}  // namespace protogate::http
