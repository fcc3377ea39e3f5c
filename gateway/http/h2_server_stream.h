// H2Stream: the state of one HTTP/2 request/response exchange of an
// H2ServerSession (one client-opened stream). Private to protogate::http.
//
// Thread safety: touched only on the session's loop thread.
// Ownership: shared by the session's stream map (until nghttp2 closes the
// stream) and by the Responder, ResponseStream and BodyStream of the
// request, so the Request stays valid while the handler holds them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/http/body_stream.h"
#include "gateway/http/client_cancellation.h"
#include "gateway/http/request.h"
#include "gateway/http/response.h"
#include "gateway/http/response_stream.h"

namespace protogate::http {

// What the client has sent on the stream.
enum class H2RequestPhase {
  kHeaders,   // Header block being received.
  kBody,      // Headers done; body bytes may follow.
  kComplete,  // END_STREAM received.
};

// What the server has done with the stream.
enum class H2ResponsePhase {
  kWaiting,   // The request is not complete enough to dispatch.
  kHandling,  // The handler holds the Responder.
  kSending,   // Response HEADERS submitted; body pieces may follow.
  kDone,      // Everything submitted (or the stream was reset).
};

struct H2Stream {
  // One piece of response body, with the `done` of the Write() it came from.
  struct Piece {
    std::string data;
    size_t sent = 0;
    WriteDone done;
  };

  explicit H2Stream(int32_t stream_id) : id(stream_id) {}

  const int32_t id;
  H2RequestPhase request_phase = H2RequestPhase::kHeaders;
  H2ResponsePhase response_phase = H2ResponsePhase::kWaiting;
  bool closed = false;  // nghttp2 closed the stream.
  absl::Time opened;

  // The request as received.
  std::string method;
  std::string path;
  std::string authority;
  std::vector<Request::Header> headers;
  std::string cookies;  // Cookie fields, joined with "; " (RFC 9113 8.2.3).
  size_t header_list_bytes = 0;
  int rejection = 0;  // 413 or 431 chosen while receiving, 0 if none.
  std::optional<Request> request;
  // Raised (through deferred_) when the stream closes, or the connection,
  // while the handler has not finished the response.
  ClientCancellation cancellation;

  // The body: whole (read before dispatch) or streamed (BodyStream): the
  // received bytes the handler has not read yet (not yet acknowledged to
  // the client's flow control), and a pending read.
  bool body_streamed = false;
  std::string body;
  size_t body_received = 0;
  std::optional<absl::Status> body_error;
  BodyReadDone pending_read;
  absl::Time read_started;

  // The response body not yet taken by nghttp2, how it ends, and when it
  // last made progress (the zero-window bound).
  bool head_request = false;
  bool data_deferred = false;
  std::deque<Piece> pieces;
  std::optional<StreamEnd> end;
  Trailers trailers;
  absl::Time last_progress;

  bool HasUnsentBody() const { return !pieces.empty(); }
  // The handler holds the request and has not ended its response.
  bool ResponseUnfinished() const {
    return response_phase == H2ResponsePhase::kHandling ||
           (response_phase == H2ResponsePhase::kSending && !end.has_value());
  }
};

}  // namespace protogate::http
