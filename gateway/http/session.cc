#include "gateway/http/session.h"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/write.hpp>
#include <exception>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"
#include "gateway/http/byte_stream.h"
#include "gateway/http/error_response.h"
#include "gateway/http/responder.h"
#include "gateway/http/session_util.h"
#include "gateway/http/tls_buffer_sweep.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using beast::error_code;

constexpr size_t kReadChunk = 8 * 1024;
// Reads of a body. Also bounds how far past a chunk line or trailer limit
// (request_checks.h) the unparsed input can grow before it is refused.
constexpr size_t kBodyReadChunk = 64 * 1024;
// First read of a request. Small, because an idle keep-alive connection
// holds this much while it waits.
constexpr size_t kIdleReadSize = 1024;
// Over TLS a response body up to this size goes out in the head's record.
constexpr size_t kOneRecordBody = 16 * 1024;
constexpr size_t kMaxDiscardBytes = 256 * 1024;
constexpr absl::Duration kMaxLinger = absl::Seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// A streamed response's link to its session. Each post carries its own
// session reference; the last one (End) hands over the sink's.
class SessionStreamSink : public ResponseStream::Sink {
 public:
  explicit SessionStreamSink(std::shared_ptr<Session> session)
      : session_(std::move(session)) {}
  void Write(std::string data, WriteDone done) override {
    if (session_ == nullptr) {
      std::move(done)(false);
      return;
    }
    Session::PostStreamWrite(session_, std::move(data), std::move(done));
  }
  void End(StreamEnd end, Trailers trailers) override {
    if (session_ != nullptr) {
      Session::PostStreamEnd(std::move(session_), end, std::move(trailers));
    }
  }

 private:
  std::shared_ptr<Session> session_;
};

// The Responder's link to its session. Hands its session reference to the
// posted write, so the last reference is never dropped on a foreign thread
// while the loop runs.
class SessionSink : public Responder::Sink {
 public:
  explicit SessionSink(std::shared_ptr<Session> session)
      : session_(std::move(session)) {}
  void SendResponse(Response response) override {
    if (session_ != nullptr) {
      Session::PostResponse(std::move(session_), std::move(response));
    }
  }
  std::unique_ptr<ResponseStream::Sink> StartStream(Response head) override {
    if (session_ == nullptr) return nullptr;
    Session::PostStreamHead(session_, std::move(head));
    return std::make_unique<SessionStreamSink>(std::move(session_));
  }

 private:
  std::shared_ptr<Session> session_;
};

// The handler's view of a streamed request body. Holds the session weakly:
// a pending read holds it strongly until its `done` ran.
class SessionBodyStream : public BodyStream {
 public:
  explicit SessionBodyStream(std::weak_ptr<Session> session)
      : session_(std::move(session)) {}
  void Read(BodyReadDone done) override {
    std::shared_ptr<Session> session = session_.lock();
    if (session == nullptr) {
      std::move(done)(absl::CancelledError("the connection is gone"));
      return;
    }
    Session::PostBodyRead(std::move(session), std::move(done));
  }

 private:
  std::weak_ptr<Session> session_;
};

absl::Status BodyError(const Rejection& rejection) {
  return rejection.status == 413 || rejection.status == 431
             ? absl::ResourceExhaustedError(rejection.message)
             : absl::InvalidArgumentError(rejection.message);
}

}  // namespace

template <typename Done>
void Session::ReadSome(asio::mutable_buffer buffer, Done done) {
  if (tls_ != nullptr) [[unlikely]] {
    tls_->ReadSome(buffer, std::move(done));
  } else {
    stream_.async_read_some(buffer, std::move(done));
  }
}

template <typename Done>
void Session::WriteAll(asio::const_buffer buffer, Done done) {
  if (tls_ != nullptr) [[unlikely]] {
    tls_->WriteAll(buffer, std::move(done));
  } else {
    asio::async_write(stream_, buffer, std::move(done));
  }
}

Session::Session(std::shared_ptr<IoLoop> loop,
                 std::shared_ptr<const SessionConfig> config, LoopSocket socket)
    : loop_(std::move(loop)),
      config_(std::move(config)),
      tcp_stream_(std::in_place, std::move(socket)),
      stream_(*tcp_stream_),
      deadline_(loop_->ioc.get_executor(),
                std::min(config_->read_timeout, config_->idle_timeout)),
      reader_(config_->limits),
      remote_address_(FormatRemoteEndpoint(stream_.tcp().socket())) {
  if (config_->events.opened) config_->events.opened();
}

Session::Session(std::shared_ptr<IoLoop> loop,
                 std::shared_ptr<const SessionConfig> config,
                 ConnectionStream stream)
    : loop_(std::move(loop)),
      config_(std::move(config)),
      tls_(TlsByteStream::Create(std::move(stream))),
      stream_(tls_->stream()),
      deadline_(loop_->ioc.get_executor(),
                std::min(config_->read_timeout, config_->idle_timeout)),
      reader_(config_->limits),
      remote_address_(FormatRemoteEndpoint(stream_.tcp().socket())) {
  // TlsByteStream ended the handshake's timeout (the session keeps its
  // own) and keeps OpenSSL's record buffers, which the loop's sweep frees
  // once the session idles (tls_buffer_sweep.h).
  if (config_->events.opened) config_->events.opened();
}

// A session destroyed before Close() (its last operation's handler unwound)
// must not stay registered: a drain would reach it through `sessions`.
Session::~Session() {
  if (state_ != State::kClosed) loop_->sessions.erase(this);
  if (config_->events.closed) config_->events.closed();
}

void Session::Start() {
  // A response is first written directly over plain TCP
  // (WriteHeadAndBody): that write must never block.
  error_code ignored;
  stream_.tcp().socket().non_blocking(true, ignored);
  deadline_.Start(weak_from_this(), [this] { OnDeadline(); });
  loop_->sessions.insert(this);
  if (loop_->draining) {
    Close();
    return;
  }
  WaitForRequest();
}

void Session::BeginDrain() {
  if (state_ == State::kIdle) Close();
}

void Session::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  if (tls_ != nullptr) {
    tls_->Close();
  } else {
    error_code ec;
    stream_.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.tcp().close();
  }
  deadline_.Cancel();
  loop_->sessions.erase(this);
  work_.reset();
  FailStreamPieces();
  ReleaseLoopIfDrained(*loop_);
}

Connection::HeldBuffers Session::SweepIdleBuffers() {
  if (tls_ == nullptr || tls_buffers_ == TlsBuffers::kReleased) {
    return HeldBuffers::kNone;
  }
  // Busy: the next WaitForRequest() re-arms the sweep.
  if (state_ != State::kIdle) return HeldBuffers::kNone;
  return SweepIdleTlsBuffers(*tls_, tls_buffers_,
                             config_->events.tls_buffers_released);
}

void Session::OnDeadline() {
  if (state_ == State::kClosed) return;
  error_code ignored;
  stream_.tcp().socket().close(ignored);
}

std::string_view Session::Buffered() const {
  auto data = buffer_.data();
  return std::string_view(static_cast<const char*>(data.data()), data.size());
}

void Session::WaitForRequest() {
  if (buffer_.size() > 0) {  // A pipelined request is already here.
    BeginRequest();
    return;
  }
  // Do not keep a large head's or body's buffer on an idle connection.
  if (buffer_.capacity() > kIdleReadSize) buffer_.shrink_to_fit();
  state_ = State::kIdle;
  SetTimeout(config_->idle_timeout);
  if (stream_.is_tls()) [[unlikely]] {
    tls_buffers_ = TlsBuffers::kUsed;
    ArmTlsBufferSweep(*loop_, config_->tls_idle_buffer_release);
  }
  ReadSome(buffer_.prepare(kIdleReadSize),
           [self = shared_from_this()](const error_code& ec, size_t bytes) {
             self->OnIdleRead(ec, bytes);
           });
}

void Session::OnIdleRead(const error_code& ec, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (ec) {
    Close();
    return;
  }
  buffer_.commit(bytes);
  BeginRequest();
}

void Session::BeginRequest() {
  // Some clients send CRLF after a body.
  if (reader_.SkipEmptyLine(buffer_) && buffer_.size() == 0) {
    WaitForRequest();
    return;
  }
  state_ = State::kReadingHead;
  SetTimeout(config_->read_timeout);
  reader_.Begin();
  ParseHead();
}

void Session::ParseHead() {
  switch (reader_.ParseHead(buffer_)) {
    case RequestReader::Progress::kNeedMore:
      ReadMoreHead();
      return;
    case RequestReader::Progress::kRejected:
      Reject(reader_.rejection());
      return;
    case RequestReader::Progress::kHead:
    case RequestReader::Progress::kComplete:
      OnHead();
      return;
  }
}

void Session::ReadMoreHead() {
  ReadSome(buffer_.prepare(kReadChunk),
           [self = shared_from_this()](const error_code& ec, size_t bytes) {
             self->OnHeadRead(ec, bytes);
           });
}

void Session::OnHeadRead(const error_code& ec, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (ec) {  // Timeout, reset or the peer gave up mid-request.
    Close();
    return;
  }
  buffer_.commit(bytes);
  ParseHead();
}

void Session::OnHead() {
  const auto& head = reader_.parser().get();
  if (reader_.parser().is_done()) {
    Dispatch();
    return;
  }
  if (config_->stream_body && StreamsBody(head)) {
    DispatchStreamingBody();
    return;
  }
  state_ = State::kReadingBody;
  if (head.version() < 11 ||
      !base::EqualsIgnoreCase(head[bhttp::field::expect], "100-continue")) {
    ReadBody();
    return;
  }
  WriteAll(asio::buffer(kContinue.data(), kContinue.size()),
           [self = shared_from_this()](const error_code& ec, size_t) {
             if (self->state_ == State::kClosed) return;
             if (ec) {
               self->Close();
               return;
             }
             self->ReadBody();
           });
}

bool Session::StreamsBody(const bhttp::request_header<>& head) const {
  std::string_view method(head.method_string().data(),
                          head.method_string().size());
  RoutedTarget routed =
      RouteTarget(std::string_view(head.target().data(), head.target().size()));
  if (routed.form == TargetForm::kOrigin) {
    return config_->stream_body(method, routed.path_and_query);
  }
  return config_->stream_body(method, routed.OriginForm());
}

void Session::ReadBody() {
  state_ = State::kReadingBody;
  switch (reader_.ParseBody(buffer_)) {
    case RequestReader::Progress::kComplete:
      Dispatch();
      return;
    case RequestReader::Progress::kRejected:
      Reject(reader_.rejection());
      return;
    case RequestReader::Progress::kNeedMore:
    case RequestReader::Progress::kHead:
      break;
  }
  ReadSome(buffer_.prepare(kBodyReadChunk),
           [self = shared_from_this()](const error_code& ec, size_t bytes) {
             self->OnBodyRead(ec, bytes);
           });
}

void Session::OnBodyRead(const error_code& ec, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (ec) {  // Timeout, reset or the peer gave up mid-body.
    Close();
    return;
  }
  buffer_.commit(bytes);
  ReadBody();
}

void Session::BeginExchange(const bhttp::request<bhttp::string_body>& head,
                            std::string body) {
  framing_ = {.server_name = config_->server_name,
              .connection = head.keep_alive()
                                ? ConnectionDisposition::kKeepAlive
                                : ConnectionDisposition::kClose,
              .head_request = head.method() == bhttp::verb::head,
              .body = head.version() < 11 ? BodyFraming::kUntilClose
                                          : BodyFraming::kChunked};
  std::vector<Request::Header> headers =
      CopyHeaders(head, reader_.head_fields());
  std::string target = RoutedRequestTarget(
      std::string_view(head.target().data(), head.target().size()), headers);
  request_.emplace(std::string(head.method_string()), std::move(target),
                   std::move(headers), std::move(body), remote_address_);
  if (head.version() < 11) request_->set_http_version(HttpVersion::kHttp10);
  if (stream_.peer_subject() != nullptr) {
    request_->set_peer_certificate_subject(stream_.peer_subject());
  }
}

void Session::Dispatch() {
  bhttp::request<bhttp::string_body> message = reader_.parser().release();
  BeginExchange(message, std::move(message.body()));
  reader_.Reset();
  CallHandler();
}

void Session::DispatchStreamingBody() {
  const auto& head = reader_.parser().get();
  BeginExchange(head, std::string());
  request_->set_body_stream(
      std::make_shared<SessionBodyStream>(weak_from_this()));
  body_phase_ =
      head.version() >= 11 &&
              base::EqualsIgnoreCase(head[bhttp::field::expect], "100-continue")
          ? BodyPhase::kContinueOwed
          : BodyPhase::kReadable;
  CallHandler();
}

void Session::CallHandler() {
  state_ = State::kHandling;
  deadline_.ExpireNever();
  work_.emplace(asio::make_work_guard(loop_->ioc));
  Responder responder(std::make_shared<SessionSink>(shared_from_this()));
  try {
    config_->handler(*request_, std::move(responder));
  } catch (const std::exception& e) {
    PG_LOG(kError) << "http: handler threw: " << e.what();
  } catch (...) {
    PG_LOG(kError) << "http: handler threw a non-exception";
  }
}

template <typename Fn>
void Session::PostToLoop(std::shared_ptr<Session> self, Fn fn) {
  std::shared_ptr<IoLoop> loop = self->loop_;  // Outlives the lock below.
  {
    absl::MutexLock lock(&loop->mu);
    if (!loop->stopped) {
      asio::post(loop->ioc, [self = std::move(self),
                             fn = std::move(fn)]() mutable { fn(self.get()); });
      return;
    }
  }
  fn(nullptr);
}

void Session::PostResponse(std::shared_ptr<Session> self, Response response) {
  PostToLoop(std::move(self),
             [response = std::move(response)](Session* session) mutable {
               if (session != nullptr) {
                 session->WriteResponse(std::move(response));
               }
             });
}

void Session::PostStreamHead(std::shared_ptr<Session> self, Response head) {
  PostToLoop(std::move(self),
             [head = std::move(head)](Session* session) mutable {
               if (session != nullptr) session->StartStream(std::move(head));
             });
}

void Session::PostStreamWrite(std::shared_ptr<Session> self, std::string data,
                              WriteDone done) {
  PostToLoop(std::move(self), [data = std::move(data), done = std::move(done)](
                                  Session* session) mutable {
    if (session == nullptr) {
      std::move(done)(false);
      return;
    }
    session->QueueStreamPiece(std::move(data), std::move(done));
  });
}

void Session::PostStreamEnd(std::shared_ptr<Session> self, StreamEnd end,
                            Trailers trailers) {
  PostToLoop(std::move(self),
             [end, trailers = std::move(trailers)](Session* session) mutable {
               if (session != nullptr) {
                 session->EndStream(end, std::move(trailers));
               }
             });
}

void Session::PostBodyRead(std::shared_ptr<Session> self, BodyReadDone done) {
  PostToLoop(
      std::move(self), [done = std::move(done)](Session* session) mutable {
        if (session == nullptr) {
          std::move(done)(absl::CancelledError("the server is stopping"));
          return;
        }
        session->ReadBodyPiece(std::move(done));
      });
}

ConnectionDisposition Session::ResponseDisposition(bool streamed) const {
  if (loop_->draining || framing_.connection == ConnectionDisposition::kClose ||
      (streamed && framing_.body == BodyFraming::kUntilClose)) {
    return ConnectionDisposition::kClose;
  }
  return ConnectionDisposition::kKeepAlive;
}

void Session::ReadBodyPiece(BodyReadDone done) {
  if (body_phase_ == BodyPhase::kWhole || body_phase_ == BodyPhase::kReading ||
      (state_ != State::kHandling && state_ != State::kStreaming)) {
    std::move(done)(
        absl::CancelledError("the request body is no longer readable"));
    return;
  }
  if (reader_.parser().is_done()) {
    std::move(done)(BodyPiece{.data = std::string(), .last = true});
    return;
  }
  const bool continue_owed = body_phase_ == BodyPhase::kContinueOwed;
  body_phase_ = BodyPhase::kReading;
  SetTimeout(config_->read_timeout);
  if (!continue_owed) {
    ContinueBodyPiece(std::move(done));
    return;
  }
  WriteAll(asio::buffer(kContinue.data(), kContinue.size()),
           [self = shared_from_this(), done = std::move(done)](
               const error_code& ec, size_t) mutable {
             if (ec) {
               self->OnBodyPiece(ec, nullptr, std::move(done));
               return;
             }
             self->ContinueBodyPiece(std::move(done));
           });
}

// Parses what is buffered; reads more until a piece of body, its end or an
// error is there, or a response waits for this read to end.
void Session::ContinueBodyPiece(BodyReadDone done) {
  const RequestReader::Progress progress = reader_.ParseBody(buffer_);
  if (progress == RequestReader::Progress::kRejected) {
    OnBodyPiece({}, &reader_.rejection(), std::move(done));
    return;
  }
  const bool complete = progress == RequestReader::Progress::kComplete;
  const bool response_waits =
      deferred_response_.has_value() || stream_ending_ != StreamEnding::kOpen;
  if (complete || !reader_.parser().get().body().empty() || response_waits) {
    OnBodyPiece(response_waits && !complete
                    ? error_code(asio::error::operation_aborted)
                    : error_code(),
                nullptr, std::move(done));
    return;
  }
  ReadSome(buffer_.prepare(kBodyReadChunk),
           [self = shared_from_this(), done = std::move(done)](
               const error_code& ec, size_t bytes) mutable {
             if (ec || self->state_ == State::kClosed) {
               self->OnBodyPiece(ec, nullptr, std::move(done));
               return;
             }
             self->buffer_.commit(bytes);
             self->ContinueBodyPiece(std::move(done));
           });
}

void Session::OnBodyPiece(const error_code& ec, const Rejection* rejection,
                          BodyReadDone done) {
  body_phase_ = BodyPhase::kReadable;
  // The read ended by the deadline (which closed the socket), not by
  // EndBodyStreaming() cancelling it.
  const bool timed_out = ec && deadline_.passed();
  if (!StreamWriteInFlight()) deadline_.ExpireNever();
  if (state_ == State::kClosed) {
    std::move(done)(absl::UnavailableError("the client connection closed"));
    return;
  }
  if (ec == asio::error::operation_aborted && !timed_out) {
    std::move(done)(absl::CancelledError(
        "the response was sent before the request body was read"));
  } else if (rejection != nullptr) {
    framing_.connection = ConnectionDisposition::kClose;
    std::move(done)(BodyError(*rejection));
  } else if (ec) {
    Close();
    std::move(done)(
        timed_out ? absl::DeadlineExceededError(
                        "request body: nothing received within the "
                        "read timeout")
                  : absl::UnavailableError("the client connection failed"));
    return;
  } else {
    BodyPiece piece{.data = std::move(reader_.parser().get().body()),
                    .last = reader_.parser().is_done()};
    reader_.parser().get().body().clear();
    std::move(done)(std::move(piece));
  }
  ResumeAfterBodyRead();
}

// A response that waited for the body read to end goes on.
void Session::ResumeAfterBodyRead() {
  if (deferred_response_.has_value() && state_ == State::kHandling) {
    Response response = *std::move(deferred_response_);
    deferred_response_.reset();
    WriteResponse(std::move(response));
  } else if (state_ == State::kStreaming &&
             stream_ending_ != StreamEnding::kOpen && !StreamWriteInFlight()) {
    FlushStream();
  }
}

bool Session::EndBodyStreaming() {
  if (body_phase_ == BodyPhase::kWhole) return true;
  if (body_phase_ == BodyPhase::kReading) {
    // Nothing else is in flight here: this ends just the read, at once.
    error_code ignored;
    stream_.tcp().socket().cancel(ignored);
    return false;
  }
  body_phase_ = BodyPhase::kWhole;
  if (!reader_.parser().is_done()) {  // The rest of the body is never read.
    framing_.connection = ConnectionDisposition::kClose;
  }
  reader_.Reset();
  return true;
}

void Session::WriteResponse(Response response) {
  if (state_ != State::kHandling) return;  // Closed meanwhile.
  if (!EndBodyStreaming()) {
    deferred_response_ = std::move(response);
    return;
  }
  work_.reset();
  request_.reset();
  StartWrite(std::move(response), ResponseDisposition(/*streamed=*/false));
}

void Session::StartStream(Response head) {
  if (state_ != State::kHandling) return;  // Closed meanwhile.
  request_.reset();  // The body stream, if any, stays readable.
  state_ = State::kStreaming;
  stream_ending_ = StreamEnding::kOpen;
  framing_.connection = ResponseDisposition(/*streamed=*/true);
  std::string first = std::move(head.body);
  head.body.clear();
  stream_bytes_.clear();
  SerializeResponseHead(head, framing_, stream_bytes_);
  stream_pending_.push_front({.data = std::move(first), .done = nullptr});
  FlushStream();
}

void Session::QueueStreamPiece(std::string data, WriteDone done) {
  if (state_ != State::kStreaming || stream_ending_ != StreamEnding::kOpen) {
    std::move(done)(false);
    return;
  }
  stream_pending_.push_back({.data = std::move(data), .done = std::move(done)});
  if (!StreamWriteInFlight()) FlushStream();
}

void Session::EndStream(StreamEnd end, Trailers trailers) {
  if (state_ != State::kStreaming || stream_ending_ != StreamEnding::kOpen) {
    return;
  }
  stream_trailers_ = std::move(trailers);
  stream_ending_ = end == StreamEnd::kComplete ? StreamEnding::kComplete
                                               : StreamEnding::kAbort;
  if (!StreamWriteInFlight()) FlushStream();
}

// Writes everything queued (and the last chunk once the end is known) in
// one write, after the head if it is still unwritten.
void Session::FlushStream() {
  const bool chunked = framing_.body == BodyFraming::kChunked;
  for (StreamPiece& piece : stream_pending_) {
    if (!framing_.head_request) {
      stream_bytes_.append(chunked ? FrameChunk(piece.data)
                                   : std::move(piece.data));
    }
    if (piece.done != nullptr) stream_writing_.push_back(std::move(piece.done));
  }
  stream_pending_.clear();
  if (stream_ending_ == StreamEnding::kComplete) {
    stream_ending_ = StreamEnding::kLastChunkQueued;
    if (chunked && !framing_.head_request) {
      stream_bytes_.append(stream_trailers_.empty()
                               ? std::string(kLastChunk)
                               : LastChunk(stream_trailers_));
    }
    stream_trailers_.clear();
  }
  if (!stream_bytes_.empty()) {
    SetTimeout(config_->read_timeout);
    WriteAll(asio::buffer(stream_bytes_),
             [self = shared_from_this()](const error_code& ec, size_t) {
               self->OnStreamWrite(ec);
             });
    return;
  }
  if (!stream_writing_.empty()) {  // Only empty pieces: nothing to send.
    OnStreamWrite({});
    return;
  }
  if (stream_ending_ == StreamEnding::kOpen) {
    // Waiting for the producer, not the client (unless its body is read).
    if (body_phase_ != BodyPhase::kReading) deadline_.ExpireNever();
    return;
  }
  FinishStream();
}

// Everything is written and the end is known.
void Session::FinishStream() {
  if (!EndBodyStreaming()) return;  // Resumed when the body read ends.
  const StreamEnding ending =
      std::exchange(stream_ending_, StreamEnding::kOpen);
  work_.reset();
  if (ending == StreamEnding::kAbort) {
    LingeringClose(ResponseEnd::kAborted);
    return;
  }
  state_ = State::kWriting;
  OnWrite({});
}

void Session::OnStreamWrite(const error_code& ec) {
  stream_bytes_.clear();
  if (state_ != State::kStreaming) return;  // Closed meanwhile.
  if (ec) {
    Close();
    return;
  }
  std::vector<WriteDone> written = std::move(stream_writing_);
  stream_writing_.clear();
  for (WriteDone& done : written) std::move(done)(true);
  FlushStream();
}

void Session::FailStreamPieces() {
  std::vector<WriteDone> failed = std::move(stream_writing_);
  stream_writing_.clear();
  for (StreamPiece& piece : stream_pending_) {
    if (piece.done != nullptr) failed.push_back(std::move(piece.done));
  }
  stream_pending_.clear();
  stream_ending_ = StreamEnding::kOpen;
  for (WriteDone& done : failed) std::move(done)(false);
}

void Session::Reject(const Rejection& rejection) {
  if (config_->events.refused) config_->events.refused(rejection.status);
  framing_ = {.server_name = config_->server_name,
              .connection = ConnectionDisposition::kClose};
  StartWrite(MakeErrorResponse(rejection.status, rejection.message),
             ConnectionDisposition::kClose);
}

void Session::StartWrite(Response response, ConnectionDisposition connection) {
  state_ = State::kWriting;
  framing_.connection = connection;
  const ResponseFraming framing{.server_name = config_->server_name,
                                .connection = connection,
                                .head_request = framing_.head_request};
  write_head_.clear();  // Keeps its capacity for the next response.
  SerializeResponseHead(response, framing, write_head_);
  write_body_.clear();
  if (ResponseHasBody(response, framing))
    write_body_ = std::move(response.body);
  WriteHeadAndBody();
}

// Over plain TCP the head and body go out in one non-blocking sendmsg,
// which on loopback almost always takes all of it: then OnWrite() runs at
// once, with no asynchronous operation queued. What the socket does not
// take is written asynchronously, bounded by the read timeout.
void Session::WriteHeadAndBody() {
  std::array<asio::const_buffer, 2> buffers{asio::buffer(write_head_),
                                            asio::buffer(write_body_)};
  if (!stream_.is_tls()) {
    error_code ec;
    size_t written = stream_.tcp().socket().write_some(buffers, ec);
    if (ec == asio::error::would_block) {
      written = 0;
    } else if (ec) {
      OnWrite(ec);
      return;
    }
    if (written == write_head_.size() + write_body_.size()) {
      OnWrite({});
      return;
    }
    const size_t from_head = std::min(written, write_head_.size());
    buffers[0] += from_head;
    buffers[1] += written - from_head;
  }
  SetTimeout(config_->read_timeout);
  auto on_write = [self = shared_from_this()](const error_code& ec, size_t) {
    self->OnWrite(ec);
  };
  if (tls_ != nullptr) [[unlikely]] {
    if (write_body_.size() <= kOneRecordBody) {
      write_head_.append(write_body_);  // One TLS record.
      tls_->WriteAll(asio::buffer(write_head_), std::move(on_write));
    } else {
      tls_->WriteAll(buffers[0], buffers[1], std::move(on_write));
    }
    return;
  }
  asio::async_write(stream_, buffers, std::move(on_write));
}

void Session::OnWrite(const error_code& ec) {
  if (state_ == State::kClosed) return;
  write_body_ = std::string();
  if (ec) {
    Close();
    return;
  }
  if (framing_.connection == ConnectionDisposition::kClose) {
    LingeringClose(ResponseEnd::kComplete);
    return;
  }
  if (loop_->draining) {
    // The client was told keep-alive: like an idle connection at drain, close
    // at once unless it has already sent more.
    if (buffer_.size() == 0) {
      Close();
    } else {
      LingeringClose(ResponseEnd::kComplete);
    }
    return;
  }
  WaitForRequest();
}

// Half-closes and reads what the client is still sending for a short while,
// so that the kernel does not reset the connection (and destroy the response)
// because of unread input. Over TLS after a complete response: sends
// close_notify first; the discarding reads then end at the client's
// close_notify (eof) too.
void Session::LingeringClose(ResponseEnd end) {
  state_ = State::kLingering;
  SetTimeout(std::min(config_->read_timeout, kMaxLinger));
  if (tls_ != nullptr && end == ResponseEnd::kComplete) {
    tls_->WriteCloseNotify(
        [self = shared_from_this()](const error_code& ec, size_t) {
          if (self->state_ == State::kClosed) return;
          if (ec) {
            self->Close();
            return;
          }
          self->HalfCloseAndDiscard();
        });
    return;
  }
  HalfCloseAndDiscard();
}

void Session::HalfCloseAndDiscard() {
  error_code ec;
  stream_.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  buffer_.clear();
  discarded_bytes_ = 0;
  DiscardInput();
}

void Session::DiscardInput() {
  ReadSome(buffer_.prepare(kReadChunk),
           [self = shared_from_this()](const error_code& ec, size_t bytes) {
             if (self->state_ == State::kClosed) return;
             self->discarded_bytes_ += bytes;
             if (ec || self->discarded_bytes_ > kMaxDiscardBytes) {
               self->Close();
               return;
             }
             self->DiscardInput();
           });
}

}  // namespace protogate::http
