// The response side of H2ServerSession: whole and streamed responses,
// trailers, resets.
#include <nghttp2/nghttp2.h>

#include <utility>

#include "absl/status/status.h"
#include "gateway/http/h2_server_session.h"
#include "gateway/http/response_builder.h"

namespace protogate::http {

void H2ServerSession::SubmitResponse(const StreamRef& stream,
                                     Response response) {
  if (stream->closed || stream->response_phase != H2ResponsePhase::kHandling) {
    return;
  }
  if (stream->pending_read != nullptr) {
    deferred_.push_back([done = std::move(stream->pending_read)]() mutable {
      std::move(done)(absl::CancelledError("the response was already sent"));
    });
    stream->pending_read = nullptr;
  }
  const bool with_body = !stream->head_request &&
                         !StatusHasNoBody(response.status) &&
                         !response.body.empty();
  const size_t length = response.body.size();  // A HEAD answer keeps it.
  if (with_body) {
    stream->pieces.push_back({.data = std::move(response.body)});
    response.body = std::string();
    stream->end = StreamEnd::kComplete;
  }
  if (!SubmitHead(stream, response, with_body, length)) {
    ResetStream(stream, NGHTTP2_INTERNAL_ERROR);
  }
}

void H2ServerSession::StartStream(const StreamRef& stream, Response head) {
  if (stream->closed || stream->response_phase != H2ResponsePhase::kHandling) {
    return;
  }
  const bool with_body = !stream->head_request;
  if (with_body && !head.body.empty()) {
    stream->pieces.push_back({.data = std::move(head.body)});
  }
  head.body = std::string();
  if (!SubmitHead(stream, head, with_body, std::nullopt)) {
    ResetStream(stream, NGHTTP2_INTERNAL_ERROR);
  }
}

void H2ServerSession::QueuePiece(const StreamRef& stream, std::string data,
                                 WriteDone done) {
  if (stream->head_request && !stream->closed) {
    std::move(done)(true);  // A HEAD answer has no body to send.
    return;
  }
  if (stream->closed || stream->response_phase != H2ResponsePhase::kSending ||
      stream->end.has_value()) {
    std::move(done)(false);
    return;
  }
  if (data.empty()) {
    std::move(done)(true);
    return;
  }
  // The zero-window bound counts from when there is something to send.
  if (stream->pieces.empty()) stream->last_progress = absl::Now();
  stream->pieces.push_back({.data = std::move(data), .done = std::move(done)});
  if (stream->data_deferred) {
    stream->data_deferred = false;
    nghttp2_session_resume_data(session_, stream->id);
  }
}

void H2ServerSession::EndStream(const StreamRef& stream, StreamEnd end,
                                Trailers trailers) {
  if (stream->closed || stream->response_phase != H2ResponsePhase::kSending ||
      stream->end.has_value()) {
    return;
  }
  if (end == StreamEnd::kAbort) {
    ResetStream(stream, NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream->end = StreamEnd::kComplete;
  stream->trailers = std::move(trailers);
  if (stream->data_deferred) {
    stream->data_deferred = false;
    nghttp2_session_resume_data(session_, stream->id);
  }
}

void H2ServerSession::ResetStream(const StreamRef& stream,
                                  uint32_t error_code) {
  stream->response_phase = H2ResponsePhase::kDone;
  FailPieces(*stream);
  if (!stream->closed && phase_ != Phase::kClosed) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream->id,
                              error_code);
  }
}

void H2ServerSession::FailPieces(H2Stream& stream) {
  for (H2Stream::Piece& piece : stream.pieces) {
    if (piece.done == nullptr) continue;
    deferred_.push_back(
        [done = std::move(piece.done)]() mutable { std::move(done)(false); });
  }
  stream.pieces.clear();
}

}  // namespace protogate::http
