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

#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"
#include "gateway/http/error_response.h"
#include "gateway/http/responder.h"
#include "gateway/http/session_util.h"

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
  void End(StreamEnd end) override {
    if (session_ != nullptr) Session::PostStreamEnd(std::move(session_), end);
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

std::string FormatEndpoint(const LoopSocket& socket) {
  error_code ec;
  asio::ip::tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  if (endpoint.address().is_v6()) {
    return absl::StrCat("[", endpoint.address().to_string(),
                        "]:", endpoint.port());
  }
  return absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
}

}  // namespace

Session::Session(std::shared_ptr<IoLoop> loop,
                 std::shared_ptr<const SessionConfig> config, LoopSocket socket)
    : loop_(std::move(loop)),
      config_(std::move(config)),
      stream_(std::move(socket)),
      reader_(config_->limits),
      remote_address_(FormatEndpoint(stream_.socket())) {
  if (config_->events.opened) config_->events.opened();
}

// A session destroyed before Close() (its last operation's handler unwound)
// must not stay registered: a drain would reach it through `sessions`.
Session::~Session() {
  if (state_ != State::kClosed) loop_->sessions.erase(this);
  if (config_->events.closed) config_->events.closed();
}

void Session::Start() {
  loop_->sessions.insert(this);
  if (loop_->draining) {
    Close();
    return;
  }
  WaitForRequest();
}

void Session::BeginDrain() {
  draining_ = true;
  if (state_ == State::kIdle) Close();
}

void Session::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.close();
  loop_->sessions.erase(this);
  work_.reset();
  FailStreamPieces();
  ReleaseLoopIfDrained(*loop_);
}

void Session::SetTimeout(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    stream_.expires_never();
  } else {
    stream_.expires_after(absl::ToChronoNanoseconds(timeout));
  }
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
  stream_.async_read_some(
      buffer_.prepare(kIdleReadSize),
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
  // RFC 9112 2.2: ignore one empty line before a request line (some clients
  // send CRLF after a body). Only one, so CRLFs cannot keep a connection up.
  if (!skipped_empty_line_ && Buffered().substr(0, 2) == "\r\n") {
    skipped_empty_line_ = true;
    buffer_.consume(2);
    if (buffer_.size() == 0) {
      WaitForRequest();
      return;
    }
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
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
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
      !beast::iequals(head[bhttp::field::expect], "100-continue")) {
    ReadBody();
    return;
  }
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
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
  stream_.async_read_some(
      buffer_.prepare(kBodyReadChunk),
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

void Session::Dispatch() {
  const size_t head_fields = reader_.head_fields();
  bhttp::request<bhttp::string_body> message = reader_.parser().release();
  reader_.Reset();
  skipped_empty_line_ = false;
  keep_alive_ = message.keep_alive();
  http_1_0_ = message.version() < 11;
  head_request_ = message.method() == bhttp::verb::head;
  std::vector<Request::Header> headers = CopyHeaders(message, head_fields);
  std::string target = RoutedRequestTarget(
      std::string_view(message.target().data(), message.target().size()),
      headers);
  request_.emplace(std::string(message.method_string()), std::move(target),
                   std::move(headers), std::move(message.body()),
                   remote_address_);
  CallHandler();
}

void Session::CallHandler() {
  state_ = State::kHandling;
  stream_.expires_never();
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

void Session::PostResponse(std::shared_ptr<Session> self, Response response) {
  std::shared_ptr<IoLoop> loop = self->loop_;  // Outlives the lock below.
  absl::MutexLock lock(&loop->mu);
  if (loop->stopped) return;
  asio::post(loop->ioc, [self = std::move(self),
                         response = std::move(response)]() mutable {
    self->WriteResponse(std::move(response));
  });
}

void Session::WriteResponse(Response response) {
  if (state_ != State::kHandling) return;  // Closed meanwhile.
  if (!EndBodyStreaming()) {
    deferred_response_ = std::move(response);
    return;
  }
  work_.reset();
  request_.reset();
  StartWrite(std::move(response), keep_alive_ && !draining_
                                      ? ConnectionDisposition::kKeepAlive
                                      : ConnectionDisposition::kClose);
}

void Session::PostStreamHead(std::shared_ptr<Session> self, Response head) {
  std::shared_ptr<IoLoop> loop = self->loop_;
  absl::MutexLock lock(&loop->mu);
  if (loop->stopped) return;
  asio::post(loop->ioc,
             [self = std::move(self), head = std::move(head)]() mutable {
               self->StartStream(std::move(head));
             });
}

void Session::PostStreamWrite(std::shared_ptr<Session> self, std::string data,
                              WriteDone done) {
  std::shared_ptr<IoLoop> loop = self->loop_;
  {
    absl::MutexLock lock(&loop->mu);
    if (!loop->stopped) {
      asio::post(loop->ioc, [self = std::move(self), data = std::move(data),
                             done = std::move(done)]() mutable {
        self->QueueStreamPiece(std::move(data), std::move(done));
      });
      return;
    }
  }
  std::move(done)(false);
}

void Session::PostStreamEnd(std::shared_ptr<Session> self, StreamEnd end) {
  std::shared_ptr<IoLoop> loop = self->loop_;
  absl::MutexLock lock(&loop->mu);
  if (loop->stopped) return;
  asio::post(loop->ioc,
             [self = std::move(self), end] { self->EndStream(end); });
}

void Session::StartStream(Response head) {
  if (state_ != State::kHandling) return;  // Closed meanwhile.
  request_.reset();  // The body stream, if any, stays readable.
  state_ = State::kStreaming;
  stream_chunked_ = !http_1_0_;
  disposition_ = keep_alive_ && !draining_ && !http_1_0_
                     ? ConnectionDisposition::kKeepAlive
                     : ConnectionDisposition::kClose;
  std::string first = std::move(head.body);
  head.body.clear();
  stream_bytes_.clear();
  SerializeResponseHead(head,
                        {.server_name = config_->server_name,
                         .connection = disposition_,
                         .head_request = head_request_,
                         .body = stream_chunked_ ? BodyFraming::kChunked
                                                 : BodyFraming::kUntilClose},
                        stream_bytes_);
  stream_pending_.push_front({.data = std::move(first), .done = nullptr});
  FlushStream();
}

void Session::QueueStreamPiece(std::string data, WriteDone done) {
  if (state_ != State::kStreaming || stream_end_.has_value()) {
    std::move(done)(false);
    return;
  }
  stream_pending_.push_back({.data = std::move(data), .done = std::move(done)});
  if (!stream_write_active_) FlushStream();
}

void Session::EndStream(StreamEnd end) {
  if (state_ != State::kStreaming || stream_end_.has_value()) return;
  stream_end_ = end;
  if (!stream_write_active_) FlushStream();
}

// Writes everything queued (and the last chunk once the end is known) in
// one write, after the head if it is still unwritten.
void Session::FlushStream() {
  for (StreamPiece& piece : stream_pending_) {
    if (!head_request_) {
      stream_bytes_.append(stream_chunked_ ? FrameChunk(piece.data)
                                           : std::move(piece.data));
    }
    if (piece.done != nullptr) stream_writing_.push_back(std::move(piece.done));
  }
  stream_pending_.clear();
  if (stream_end_ == StreamEnd::kComplete && !stream_end_written_) {
    stream_end_written_ = true;
    if (stream_chunked_ && !head_request_) stream_bytes_.append(kLastChunk);
  }
  if (!stream_bytes_.empty()) {
    stream_write_active_ = true;
    SetTimeout(config_->read_timeout);
    asio::async_write(
        stream_, asio::buffer(stream_bytes_),
        [self = shared_from_this()](const error_code& ec, size_t) {
          self->OnStreamWrite(ec);
        });
    return;
  }
  if (!stream_writing_.empty()) {  // Only empty pieces: nothing to send.
    OnStreamWrite({});
    return;
  }
  if (!stream_end_.has_value()) {
    // Waiting for the producer, not the client (unless its body is read).
    if (!body_read_pending_) stream_.expires_never();
    return;
  }
  if (!EndBodyStreaming()) return;  // Resumed when the body read ends.
  const StreamEnd end = *std::exchange(stream_end_, std::nullopt);
  stream_end_written_ = false;
  work_.reset();
  if (end == StreamEnd::kAbort) {
    LingeringClose();
    return;
  }
  state_ = State::kWriting;
  OnWrite({});
}

void Session::OnStreamWrite(const error_code& ec) {
  stream_write_active_ = false;
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
  stream_end_.reset();
  for (WriteDone& done : failed) std::move(done)(false);
}

void Session::Reject(const Rejection& rejection) {
  if (config_->events.refused) config_->events.refused(rejection.status);
  keep_alive_ = false;
  head_request_ = false;
  StartWrite(MakeErrorResponse(rejection.status, rejection.message),
             ConnectionDisposition::kClose);
}

void Session::StartWrite(Response response, ConnectionDisposition connection) {
  state_ = State::kWriting;
  disposition_ = connection;
  const ResponseFraming framing{.server_name = config_->server_name,
                                .connection = connection,
                                .head_request = head_request_};
  write_head_.clear();  // Keeps its capacity for the next response.
  SerializeResponseHead(response, framing, write_head_);
  write_body_.clear();
  if (ResponseHasBody(response, framing))
    write_body_ = std::move(response.body);
  SetTimeout(config_->read_timeout);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(write_head_),
                                                  asio::buffer(write_body_)};
  asio::async_write(stream_, buffers,
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      self->OnWrite(ec);
                    });
}

void Session::OnWrite(const error_code& ec) {
  if (state_ == State::kClosed) return;
  write_body_ = std::string();
  if (ec) {
    Close();
    return;
  }
  if (disposition_ == ConnectionDisposition::kClose) {
    LingeringClose();
    return;
  }
  if (draining_) {
    // The client was told keep-alive: like an idle connection at drain, close
    // at once unless it has already sent more.
    if (buffer_.size() == 0) {
      Close();
    } else {
      LingeringClose();
    }
    return;
  }
  WaitForRequest();
}

// Half-closes and reads what the client is still sending for a short while,
// so that the kernel does not reset the connection (and destroy the response)
// because of unread input.
void Session::LingeringClose() {
  state_ = State::kLingering;
  error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) {
    Close();
    return;
  }
  SetTimeout(std::min(config_->read_timeout, kMaxLinger));
  buffer_.clear();
  discarded_bytes_ = 0;
  DiscardInput();
}

void Session::DiscardInput() {
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
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
