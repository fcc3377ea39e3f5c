#include "gateway/http/request_reader.h"

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace protogate::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using beast::error_code;

std::string_view Unparsed(const beast::flat_buffer& buffer) {
  auto data = buffer.data();
  return std::string_view(static_cast<const char*>(data.data()), data.size());
}

}  // namespace

RequestReader::RequestReader(const RequestLimits& limits)
    : limits_(limits),
      on_chunk_header_([this](uint64_t size, beast::string_view, error_code&) {
        chunk_remaining_ = size;
      }) {}

void RequestReader::Begin() {
  parser_.emplace();
  head_bytes_ = 0;
  last_head_byte_ = '\0';
  head_fields_ = 0;
  chunk_remaining_ = 0;
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(limits_.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(limits_.max_body_bytes);
  parser_->on_chunk_header(on_chunk_header_);
}

bool RequestReader::SkipEmptyLine(beast::flat_buffer& buffer) {
  if (empty_line_skipped_ || buffer.size() < 2) return false;
  const char* data = static_cast<const char*>(buffer.data().data());
  if (data[0] != '\r' || data[1] != '\n') return false;
  empty_line_skipped_ = true;
  buffer.consume(2);
  return true;
}

size_t RequestReader::Put(const beast::flat_buffer& buffer, error_code& ec) {
  try {
    return parser_->put(buffer.data(), ec);
  } catch (const std::length_error&) {  // A field over 64 KiB.
    ec = bhttp::error::header_limit;
    return 0;
  }
}

RequestReader::Progress RequestReader::Reject(Rejection rejection) {
  rejection_ = std::move(rejection);
  return Progress::kRejected;
}

RequestReader::Progress RequestReader::RejectParseError(
    const error_code& ec, const beast::flat_buffer& buffer) {
  HeadPhase phase = HeadPhase::kRequestLine;
  if (parser_->is_header_done()) {
    phase = HeadPhase::kBody;
  } else if (head_bytes_ > 0) {
    phase = HeadPhase::kFields;
  }
  return Reject(RejectionForParseError(
      ec, {.unparsed = Unparsed(buffer), .phase = phase, .limits = limits_}));
}

RequestReader::Progress RequestReader::ParseHead(beast::flat_buffer& buffer) {
  error_code ec;
  size_t consumed = Put(buffer, ec);
  // The parser may consume the request line (and complete fields) before
  // the head is complete; what it consumed is gone from the buffer.
  if (consumed > 0) {
    std::string_view fragment = Unparsed(buffer).substr(0, consumed);
    if (ContainsObsFold(fragment, last_head_byte_)) {
      return Reject({400, "obsolete header line folding is not allowed"});
    }
    last_head_byte_ = fragment.back();
    head_bytes_ += consumed;
    buffer.consume(consumed);
  }
  if (ec == bhttp::error::need_more) {
    if (head_bytes_ + buffer.size() <= limits_.max_header_bytes) {
      return Progress::kNeedMore;
    }
    ec = bhttp::error::header_limit;
  }
  if (ec) return RejectParseError(ec, buffer);
  if (!parser_->is_header_done()) return Progress::kNeedMore;
  // Beast's header_limit leaves the final empty line out of its count: the
  // complete head is held to the same count as an incomplete one above.
  if (head_bytes_ > limits_.max_header_bytes) {
    return Reject(RejectionForParseError(bhttp::error::header_limit,
                                         {.unparsed = Unparsed(buffer),
                                          .phase = HeadPhase::kFields,
                                          .limits = limits_}));
  }
  if (std::optional<Rejection> r = CheckRequestHead(parser_->get(), limits_)) {
    return Reject(*std::move(r));
  }
  const auto& head = parser_->get();
  head_fields_ = static_cast<size_t>(std::distance(head.begin(), head.end()));
  return Progress::kHead;
}

RequestReader::Progress RequestReader::ParseBody(beast::flat_buffer& buffer) {
  while (!parser_->is_done() && buffer.size() > 0) {
    if (parser_->chunked() && chunk_remaining_ == 0) {
      if (std::optional<Rejection> r =
              CheckChunkLine(Unparsed(buffer), limits_)) {
        return Reject(*std::move(r));
      }
    }
    const size_t body_before = parser_->get().body().size();
    error_code ec;
    size_t consumed = Put(buffer, ec);
    buffer.consume(consumed);
    const size_t data = parser_->get().body().size() - body_before;
    chunk_remaining_ -= std::min<uint64_t>(chunk_remaining_, data);
    if (ec == bhttp::error::need_more) break;
    if (ec) return RejectParseError(ec, buffer);
    if (consumed == 0) break;
  }
  return parser_->is_done() ? Progress::kComplete : Progress::kNeedMore;
}

}  // namespace protogate::http
