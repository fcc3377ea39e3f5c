// The request side of H2ServerSession: limits, dispatch, body streaming,
// stream close and the rapid reset bucket.
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/error_response.h"
#include "gateway/http/h2_server_fields.h"
#include "gateway/http/h2_server_session.h"

namespace protogate::http {
namespace {

bool IsUpperAlpha(std::string_view method) {
  if (method.empty()) return false;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// The declared Content-Length, if there is a well-formed one.
std::optional<uint64_t> ContentLength(const std::vector<Request::Header>& h) {
  for (const auto& [name, value] : h) {
    if (name != "content-length") continue;
    uint64_t length = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec == std::errc() && end == value.data() + value.size()) return length;
  }
  return std::nullopt;
}

}  // namespace

void H2ServerSession::OnRequestHead(const StreamRef& stream) {
  const RequestLimits& limits = config_->limits;
  if (stream->rejection == 431) {
    Reject(stream, 431,
           absl::StrCat("request header exceeds the limit of ",
                        MaxHeaderListBytesOf(), " bytes or ",
                        limits.max_header_count, " fields"));
    return;
  }
  if (!IsUpperAlpha(stream->method) || stream->method == "CONNECT") {
    Reject(stream, 501, "request method is not implemented");
    return;
  }
  std::optional<uint64_t> length = ContentLength(stream->headers);
  if (length.has_value() && *length > limits.max_body_bytes) {
    Reject(stream, 413,
           absl::StrCat("request body exceeds the limit of ",
                        limits.max_body_bytes, " bytes"));
    return;
  }
  if (stream->request_phase == H2RequestPhase::kComplete) {
    Dispatch(stream);
    return;
  }
  if (config_->stream_body &&
      config_->stream_body(stream->method, stream->path)) {
    stream->body_streamed = true;
    Dispatch(stream);
  }
  // Otherwise the whole body is read first (OnRequestEnd dispatches).
}

void H2ServerSession::OnRequestBody(const StreamRef& stream,
                                    const uint8_t* data, size_t n) {
  const bool taken = stream->rejection == 0 &&
                     stream->response_phase != H2ResponsePhase::kDone &&
                     !stream->body_error.has_value();
  if (!taken) {
    nghttp2_session_consume(session_, stream->id, n);
    return;
  }
  stream->body_received += n;
  const size_t limit = config_->limits.max_body_bytes;
  if (stream->body_received > limit) {
    nghttp2_session_consume(session_, stream->id, n);
    std::string message =
        absl::StrCat("request body exceeds the limit of ", limit, " bytes");
    if (stream->response_phase == H2ResponsePhase::kWaiting) {
      stream->body.clear();
      Reject(stream, 413, message);
      return;
    }
    stream->body_error = absl::ResourceExhaustedError(std::move(message));
    if (config_->events.refused) config_->events.refused(413);
    DeliverBody(stream);
    return;
  }
  stream->body.append(reinterpret_cast<const char*>(data), n);
  if (!stream->body_streamed) {
    nghttp2_session_consume(session_, stream->id, n);
    return;
  }
  DeliverBody(stream);  // Acknowledged as the handler reads it.
}

void H2ServerSession::OnRequestEnd(const StreamRef& stream) {
  stream->request_phase = H2RequestPhase::kComplete;
  if (stream->response_phase == H2ResponsePhase::kWaiting &&
      stream->rejection == 0) {
    Dispatch(stream);
    return;
  }
  if (stream->body_streamed) DeliverBody(stream);
}

void H2ServerSession::Reject(const StreamRef& stream, int status,
                             std::string_view message) {
  if (config_->events.refused) config_->events.refused(status);
  if (stream->rejection == 0) stream->rejection = status;
  stream->response_phase = H2ResponsePhase::kHandling;
  SubmitResponse(stream, MakeErrorResponse(status, message));
}

void H2ServerSession::ReadBody(const StreamRef& stream, BodyReadDone done) {
  if (stream->pending_read != nullptr) {
    std::move(done)(absl::FailedPreconditionError("a body read is pending"));
    return;
  }
  stream->pending_read = std::move(done);
  stream->read_started = absl::Now();
  DeliverBody(stream);
}

void H2ServerSession::DeliverBody(const StreamRef& stream) {
  if (stream->pending_read == nullptr) return;
  absl::StatusOr<BodyPiece> result;
  if (stream->body_error.has_value()) {
    result = *stream->body_error;
  } else if (!stream->body.empty() ||
             stream->request_phase == H2RequestPhase::kComplete) {
    BodyPiece piece;
    piece.data = std::move(stream->body);
    stream->body = std::string();
    piece.last = stream->request_phase == H2RequestPhase::kComplete;
    if (!stream->closed && !piece.data.empty()) {
      nghttp2_session_consume(session_, stream->id, piece.data.size());
    }
    result = std::move(piece);
  } else if (stream->closed) {
    result = absl::UnavailableError("the client reset the stream");
  } else {
    return;  // Waiting for the client.
  }
  deferred_.push_back([done = std::move(stream->pending_read),
                       result = std::move(result)]() mutable {
    std::move(done)(std::move(result));
  });
  stream->pending_read = nullptr;
}

void H2ServerSession::OnStreamClosed(int32_t stream_id) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) return;
  StreamRef stream = std::move(it->second);
  streams_.erase(it);
  stream->closed = true;
  CancelIfUnfinished(stream);
  if (stream->body_streamed && !stream->body.empty()) {
    // Received but never read: give the connection window back.
    nghttp2_session_consume_connection(session_, stream->body.size());
    stream->body.clear();
  }
  if (stream->response_phase != H2ResponsePhase::kDone) {
    stream->response_phase = H2ResponsePhase::kDone;
  }
  FailPieces(*stream);
  DeliverBody(stream);
  last_active_ = absl::Now();
}

void H2ServerSession::CancelIfUnfinished(const StreamRef& stream) {
  if (!stream->request.has_value() || !stream->ResponseUnfinished()) return;
  // Not from inside nghttp2's callback: the callbacks cancel upstream calls.
  deferred_.push_back([stream] { stream->cancellation.Cancel(); });
}

size_t H2ServerSession::MaxHeaderListBytesOf() const {
  return MaxHeaderListBytes(*config_);
}

bool H2ServerSession::TakeResetToken() {
  const Http2Options& h2 = config_->http2;
  const absl::Time now = absl::Now();
  reset_tokens_ = std::min<double>(
      h2.reset_burst,
      reset_tokens_ +
          absl::ToDoubleSeconds(now - reset_refilled_) * h2.resets_per_second);
  reset_refilled_ = now;
  if (reset_tokens_ < 1) return false;
  reset_tokens_ -= 1;
  return true;
}

}  // namespace protogate::http
