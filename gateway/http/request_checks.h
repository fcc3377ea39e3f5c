// Framing checks of the bad-input catalogue (docs/BAD_INPUTS.md) that the
// Boost.Beast parser does not do itself, and the mapping of Beast parse
// errors to HTTP answers. Private to protogate::http.
//
// Every Rejection is answered with `Connection: close`.
//
// Thread safety: stateless functions.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace protogate::http {

struct Rejection {
  int status = 400;
  std::string message;
};

struct RequestLimits {
  size_t max_header_bytes = 0;
  size_t max_header_count = 0;
  size_t max_body_bytes = 0;
};

// Checks a successfully parsed request head. Returns the rejection for the
// first rule broken, or nullopt when the head is acceptable:
//   more than `limits.max_header_count` fields -> 431; method not all uppercase
//   ASCII letters -> 501; target not origin-form, absolute-form with an
//   http(s) scheme and a valid authority, or `*` with OPTIONS, or containing
//   '#' or '\' -> 400; missing Host on HTTP/1.1, more than one Host, or a
//   Host that is not `uri-host [":" port]` (RFC 3986) -> 400; Transfer-Encoding
//   on HTTP/1.0 or with Content-Length -> 400; Transfer-Encoding other than
//   exactly one "chunked" -> 501.
std::optional<Rejection> CheckRequestHead(
    const boost::beast::http::request_header<>& head,
    const RequestLimits& limits);

enum class TargetForm { kOrigin, kAbsolute };

// The target a request is routed by. For an absolute-form target
// (`http://h/v1/x?q`, RFC 9112 3.2.2) its path and query and its authority,
// which takes the place of Host; otherwise the target as sent. Views into
// the target given to RouteTarget().
struct RoutedTarget {
  // As sent for kOrigin (also `*`); for kAbsolute empty or starting with
  // '?' when the URI has no path, and OriginForm() adds the "/" then.
  std::string_view path_and_query;
  std::string_view authority;
  TargetForm form = TargetForm::kOrigin;

  std::string OriginForm() const;
};
RoutedTarget RouteTarget(std::string_view target);

// Chunked framing limits (RFC 9112 7.1.1 leaves them to the server): a
// chunk line (size, leading zeros and extensions) longer than this is a 400;
// the trailer section is held to `RequestLimits::max_header_bytes` (431).
inline constexpr size_t kMaxChunkLineBytes = 4096;

// Checks the unparsed input of a chunked body at a chunk line: `unparsed`
// starts with the line (or the CRLF ending the previous chunk's data). The
// line must end within kMaxChunkLineBytes, and every quoted string of its
// extensions must close on it (400); after the last chunk's line
// (size 0), the trailer section and its final CRLF within max_header_bytes.
// Returns the rejection once a limit is crossed, whether or not the line or
// section is complete, so the answer never depends on how the bytes
// arrived.
std::optional<Rejection> CheckChunkLine(std::string_view unparsed,
                                        const RequestLimits& limits);

// True if `fragment`, a piece of a request head as consumed by the parser,
// holds an obs-fold (a line starting with SP or HTAB). `preceding` is the
// last byte of the previous piece of the same head, or '\0'.
bool ContainsObsFold(std::string_view fragment, char preceding);

// Where the parser was in the head when it failed.
enum class HeadPhase {
  kRequestLine,  // Nothing of this request consumed yet.
  kFields,       // The request line has been consumed.
  kBody,         // The head is complete: a chunk line or the trailers.
};

struct ParseErrorContext {
  // The input not yet consumed by the parser.
  std::string_view unparsed;
  HeadPhase phase = HeadPhase::kRequestLine;
  RequestLimits limits;
};

// Maps a Beast parser error to the answer: header_limit -> 431 (414 when the
// request line itself does not fit; naming the trailer section in kBody),
// body_limit -> 413, bad_version -> 400 when the target holds a space, 505 when
// the request line ends in a well-formed "HTTP/d.d" (400 otherwise, and for an
// HTTP/2 preface), anything else -> 400.
Rejection RejectionForParseError(const boost::beast::error_code& ec,
                                 const ParseErrorContext& context);

}  // namespace protogate::http
