// Turns a handler's Response into the bytes written on the wire.
// Private to protogate::http.
//
// Thread safety: stateless function.
#pragma once

#include <string>
#include <string_view>

#include "gateway/http/response.h"

namespace protogate::http {

enum class ConnectionDisposition { kKeepAlive, kClose };

enum class BodyFraming {
  kContentLength,  // The whole body, with Content-Length.
  kChunked,        // Transfer-Encoding: chunked; the body follows.
  kUntilClose,     // Neither: the body follows and ends with the connection.
};

struct ResponseFraming {
  std::string_view server_name;
  ConnectionDisposition connection = ConnectionDisposition::kKeepAlive;
  bool head_request = false;  // Send Content-Length but no body.
  // With kChunked or kUntilClose the response's body is not included: the
  // caller writes it after the head.
  BodyFraming body = BodyFraming::kContentLength;
};

// Appends to `out` the status line and header block of an HTTP/1.1
// response: status (outside 100..999 becomes 500) with its reason phrase, the
// handler's headers (Content-Length, Transfer-Encoding, Connection, Server and
// Date are set here and dropped from `response`; headers whose name is not a
// token or whose value holds CR, LF or NUL are dropped), then Date, Server,
// Connection, and Content-Length (omitted for 1xx, 204 and 304) or
// Transfer-Encoding. Written directly, without building a Beast message: on
// the hot path that saved several allocations per response.
void SerializeResponseHead(const Response& response,
                           const ResponseFraming& framing, std::string& out);

// Whether a handler's header (or trailer) field is written: its name is a
// token, its value holds no CR, LF or NUL, and it is not one the server
// manages (Content-Length, Transfer-Encoding, Connection, Server, Date). A
// constant name was checked at compile time: only its value is checked.
bool IsSendableField(const HeaderField& field);

// The IMF-fixdate of the current second (cached per thread).
const std::string& HttpDate();

// Whether a response with this status has no body (1xx, 204, 304).
bool StatusHasNoBody(int status);

// Whether `response.body` follows the head on the wire (kContentLength, not a
// HEAD request, a status that has a body).
bool ResponseHasBody(const Response& response, const ResponseFraming& framing);

// One piece of a chunked body (empty for empty `data`: an empty chunk would
// end the body), and the last chunk.
std::string FrameChunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
// The last chunk followed by a trailer section with `trailers` (the valid,
// unmanaged ones, as in SerializeResponseHead); kLastChunk when none.
std::string LastChunk(const Trailers& trailers);

}  // namespace protogate::http
