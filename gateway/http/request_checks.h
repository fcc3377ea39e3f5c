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
//   ASCII letters -> 501; target not origin-form (or `*` with OPTIONS), or
//   containing '#' or '\' -> 400; missing Host on HTTP/1.1 or more than one
//   Host -> 400; Transfer-Encoding on HTTP/1.0 or with Content-Length -> 400;
//   Transfer-Encoding other than exactly one "chunked" -> 501.
std::optional<Rejection> CheckRequestHead(
    const boost::beast::http::request_header<>& head,
    const RequestLimits& limits);

// True if `fragment`, a piece of a request head as consumed by the parser,
// holds an obs-fold (a line starting with SP or HTAB). `preceding` is the
// last byte of the previous piece of the same head, or '\0'.
bool ContainsObsFold(std::string_view fragment, char preceding);

// Where the parser was in the head when it failed.
enum class HeadPhase {
  kRequestLine,  // Nothing of this request consumed yet.
  kFields,       // The request line has been consumed.
};

struct ParseErrorContext {
  // The input not yet consumed by the parser.
  std::string_view unparsed;
  HeadPhase phase = HeadPhase::kRequestLine;
  RequestLimits limits;
};

// Maps a Beast parser error to the answer: header_limit -> 431 (414 when the
// request line itself does not fit), body_limit -> 413, bad_version -> 505
// when the request line ends in a well-formed "HTTP/d.d" (400 otherwise, and
// for an HTTP/2 preface), anything else -> 400.
Rejection RejectionForParseError(const boost::beast::error_code& ec,
                                 const ParseErrorContext& context);

}  // namespace protogate::http
