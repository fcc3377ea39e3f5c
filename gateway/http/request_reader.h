// RequestReader: how a Session parses one request from the bytes it has
// read, without the socket: Beast's request parser plus the checks of the
// bad-input catalogue (request_checks.h) and the chunked framing limits.
// Private to protogate::http (and its fuzz target, tests/fuzz).
//
// The head is parsed first (ParseHead), so limits and framing checks run
// before any body byte is read; then the body (ParseBody), whose chunk lines
// and trailer section are checked against their limits before the parser
// sees them, so an over-long one is refused however its bytes arrive and is
// never buffered beyond one read. Beast's own exceptions (a field over its
// 64 KiB field size throws std::length_error) become rejections.
//
// Thread safety: one reader per connection, used by one thread at a time.
//
// Example:
//   RequestReader reader(limits);
//   reader.Begin();
//   // read into `buffer`, then:
//   switch (reader.ParseHead(buffer)) {
//     case RequestReader::Progress::kNeedMore: /* read more */ break;
//     case RequestReader::Progress::kRejected: Reject(reader.rejection());
//     ...
//   }
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <functional>
#include <optional>

#include "gateway/http/request_checks.h"

namespace protogate::http {

class RequestReader {
 public:
  using Parser =
      boost::beast::http::request_parser<boost::beast::http::string_body>;

  enum class Progress {
    kNeedMore,  // Every buffered byte is parsed; read more.
    kHead,      // ParseHead: the head is complete and acceptable.
    kComplete,  // The whole request is parsed.
    kRejected,  // rejection() says how to answer; the connection closes.
  };

  explicit RequestReader(const RequestLimits& limits);
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Starts a new request (a fresh parser).
  void Begin();
  // Drops the parser (between requests).
  void Reset() {
    parser_.reset();
    empty_line_skipped_ = false;
  }
  // RFC 9112 2.2: consumes one empty line (CRLF) at the front of `buffer`,
  // before a request line; only one per request, so CRLFs cannot keep a
  // connection up. True when it consumed one. REQUIRES: !active().
  bool SkipEmptyLine(boost::beast::flat_buffer& buffer);
  bool active() const { return parser_.has_value(); }

  // Parses head bytes from `buffer`, consuming what the parser took.
  // kNeedMore, kHead (then ParseBody, unless parser().is_done()) or
  // kRejected. REQUIRES: Begin(); the head is not complete yet.
  Progress ParseHead(boost::beast::flat_buffer& buffer);
  // Parses body bytes from `buffer`, consuming what the parser took; the
  // body grows in parser().get().body(). kNeedMore, kComplete or kRejected.
  // REQUIRES: ParseHead() returned kHead.
  Progress ParseBody(boost::beast::flat_buffer& buffer);

  // The answer after kRejected.
  const Rejection& rejection() const { return rejection_; }
  // REQUIRES: active().
  Parser& parser() { return *parser_; }
  const Parser& parser() const { return *parser_; }
  // The header fields of the head; trailer fields parsed after them follow
  // in parser().get() and are not part of the request.
  size_t head_fields() const { return head_fields_; }

 private:
  // Runs the parser on `buffer`; a Beast exception becomes header_limit.
  size_t Put(const boost::beast::flat_buffer& buffer,
             boost::beast::error_code& ec);
  Progress Reject(Rejection rejection);
  Progress RejectParseError(const boost::beast::error_code& ec,
                            const boost::beast::flat_buffer& buffer);

  const RequestLimits limits_;
  std::optional<Parser> parser_;
  Rejection rejection_;
  size_t head_bytes_ = 0;       // Consumed by the parser for this head.
  char last_head_byte_ = '\0';  // Last byte of that, for obs-fold checks.
  size_t head_fields_ = 0;
  bool empty_line_skipped_ = false;  // Since the last Reset().
  // Chunk data still due of the current chunk; 0 at a chunk line.
  uint64_t chunk_remaining_ = 0;
  // Called by the parser with each chunk's size.
  std::function<void(uint64_t, boost::beast::string_view,
                     boost::beast::error_code&)>
      on_chunk_header_;
};

}  // namespace protogate::http
