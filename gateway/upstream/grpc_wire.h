// The gRPC-over-HTTP/2 wire rules the HTTP/2 client (h2_session.h) needs:
// request header values, and turning what a backend sent on one stream
// into a CallResult. Pure functions, no I/O. Internal to
// protogate::upstream.
//
// A response is judged as the gateway must (see CallResult): a backend's own
// grpc-status, message and details pass through; anything that is not a
// valid gRPC answer (no trailers, no or a bad grpc-status, an HTTP status
// other than 200, OK without exactly one uncompressed message) is
// `malformed_response` with an INTERNAL "malformed upstream response: ..."
// status; a message over the receive limit too, with "upstream response of
// N bytes exceeds the receive limit of M bytes".
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"

namespace protogate::upstream {

// The grpc-timeout value for `timeout` (> 0): at most 8 digits and a unit,
// rounded up so the backend never sees a deadline earlier than ours.
std::string GrpcTimeoutValue(absl::Duration timeout);

// grpc-message is percent-encoded (bytes outside 0x20..0x7E and '%'); a
// malformed escape is kept as it is.
std::string PercentDecode(absl::string_view in);

// A "-bin" metadata value as sent (base64 without padding) and back. The
// decoder accepts padding; nullopt for a value that is not base64.
std::string EncodeBinaryHeader(absl::string_view raw);
std::optional<std::string> DecodeBinaryHeader(absl::string_view value);

// What arrived on one stream, as the client collected it.
struct GrpcResponseParts {
  int http_status = 0;      // 0: no response headers arrived.
  bool end_stream = false;  // The backend ended the stream.
  bool trailers = false;    // A trailing HEADERS frame (or Trailers-Only).
  std::optional<std::string> grpc_status;  // Raw value, wherever it was.
  std::string grpc_message;                // Raw (percent-encoded).
  std::string status_details;              // Decoded grpc-status-details-bin.
  std::string body;                        // Every DATA byte, framed.
  Metadata headers;
  Metadata trailer_metadata;
};

// The length field of a gRPC message frame header. REQUIRES: `frame` holds
// at least its 5 bytes.
uint64_t MessageFrameLength(absl::string_view frame);

// The INTERNAL, malformed_response result of a response message of
// `length` bytes over `max_receive_message_bytes`.
CallResult OverReceiveLimit(uint64_t length, int64_t max_receive_message_bytes);

// The outcome of a stream the backend ended (end_stream). REQUIRES: not
// called for a stream that was reset or cut off.
CallResult ToCallResult(GrpcResponseParts parts,
                        int64_t max_receive_message_bytes);

// The outcome of a streaming call the backend ended, judged as
// ToCallResult judges it but without the messages (its reader took them):
// OK, the backend's status, or malformed.
CallResult ToStreamResult(GrpcResponseParts parts);

// The status of a stream the backend reset with HTTP/2 error `code`, as
// gRPC maps it (REFUSED_STREAM: UNAVAILABLE, CANCEL: CANCELLED, ...).
absl::Status ResetStreamStatus(uint32_t code);

}  // namespace protogate::upstream
