// Session: request bodies read piece by piece (ServerOptions::stream_body).
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <utility>

#include "absl/status/status.h"
#include "gateway/http/session.h"
#include "gateway/http/session_util.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using beast::error_code;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kBodyReadChunk = 64 * 1024;

// The handler's view of the body. Holds the session weakly: a pending read
// holds it strongly until its `done` ran.
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

void Session::DispatchStreamingBody() {
  const auto& head = reader_.parser().get();
  skipped_empty_line_ = false;
  keep_alive_ = head.keep_alive();
  http_1_0_ = head.version() < 11;
  head_request_ = head.method() == bhttp::verb::head;
  expect_continue_ =
      !http_1_0_ && beast::iequals(head[bhttp::field::expect], "100-continue");
  std::vector<Request::Header> headers =
      CopyHeaders(head, reader_.head_fields());
  std::string target = RoutedRequestTarget(
      std::string_view(head.target().data(), head.target().size()), headers);
  request_.emplace(std::string(head.method_string()), std::move(target),
                   std::move(headers), std::string(), remote_address_);
  request_->set_body_stream(
      std::make_shared<SessionBodyStream>(weak_from_this()));
  body_streaming_ = true;
  CallHandler();
}

void Session::PostBodyRead(std::shared_ptr<Session> self, BodyReadDone done) {
  std::shared_ptr<IoLoop> loop = self->loop_;
  {
    absl::MutexLock lock(&loop->mu);
    if (!loop->stopped) {
      asio::post(loop->ioc,
                 [self = std::move(self), done = std::move(done)]() mutable {
                   self->ReadBodyPiece(std::move(done));
                 });
      return;
    }
  }
  std::move(done)(absl::CancelledError("the server is stopping"));
}

void Session::ReadBodyPiece(BodyReadDone done) {
  if (!body_streaming_ || body_read_pending_ ||
      (state_ != State::kHandling && state_ != State::kStreaming)) {
    std::move(done)(
        absl::CancelledError("the request body is no longer readable"));
    return;
  }
  if (reader_.parser().is_done()) {
    std::move(done)(BodyPiece{.data = std::string(), .last = true});
    return;
  }
  body_read_pending_ = true;
  SetTimeout(config_->read_timeout);
  auto self = shared_from_this();
  if (expect_continue_) {
    expect_continue_ = false;
    asio::async_write(
        stream_, asio::buffer(kContinue.data(), kContinue.size()),
        [self, done = std::move(done)](const error_code& ec, size_t) mutable {
          self->body_read_pending_ = false;
          if (ec) {
            self->OnBodyPiece(ec, nullptr, std::move(done));
            return;
          }
          self->ReadBodyPiece(std::move(done));
        });
    return;
  }
  ContinueBodyPiece(std::move(done));
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
      deferred_response_.has_value() || stream_end_.has_value();
  if (complete || !reader_.parser().get().body().empty() || response_waits) {
    OnBodyPiece(response_waits && !complete
                    ? error_code(asio::error::operation_aborted)
                    : error_code(),
                nullptr, std::move(done));
    return;
  }
  stream_.async_read_some(buffer_.prepare(kBodyReadChunk),
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
  body_read_pending_ = false;
  if (!stream_write_active_) stream_.expires_never();
  if (state_ == State::kClosed) {
    std::move(done)(absl::UnavailableError("the client connection closed"));
    return;
  }
  if (ec == asio::error::operation_aborted) {  // EndBodyStreaming().
    std::move(done)(absl::CancelledError(
        "the response was sent before the request body was read"));
  } else if (rejection != nullptr) {
    keep_alive_ = false;
    std::move(done)(BodyError(*rejection));
  } else if (ec == beast::error::timeout) {
    Close();
    std::move(done)(absl::DeadlineExceededError(
        "request body: nothing received within the read timeout"));
    return;
  } else if (ec) {
    Close();
    std::move(done)(absl::UnavailableError("the client connection failed"));
    return;
  } else {
    BodyPiece piece{.data = std::move(reader_.parser().get().body()),
                    .last = reader_.parser().is_done()};
    reader_.parser().get().body().clear();
    std::move(done)(std::move(piece));
  }
  // A response that waited for this read to end.
  if (deferred_response_.has_value() && state_ == State::kHandling) {
    Response response = *std::move(deferred_response_);
    deferred_response_.reset();
    WriteResponse(std::move(response));
  } else if (state_ == State::kStreaming && stream_end_.has_value() &&
             !stream_write_active_) {
    FlushStream();
  }
}

bool Session::EndBodyStreaming() {
  if (!body_streaming_) return true;
  if (body_read_pending_) {
    // Nothing else is in flight here: this ends just the read, at once.
    error_code ignored;
    stream_.socket().cancel(ignored);
    return false;
  }
  body_streaming_ = false;
  if (!reader_.parser().is_done()) {  // The rest of the body is never read.
    keep_alive_ = false;
    disposition_ = ConnectionDisposition::kClose;
  }
  reader_.Reset();
  return true;
}

}  // namespace protogate::http
