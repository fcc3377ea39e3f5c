#include "gateway/upstream/grpc_wire.h"

#include <cstdint>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace protogate::upstream {
namespace {

constexpr size_t kPrefixBytes = 5;

CallResult Malformed(absl::string_view what, CallResult result) {
  result.status =
      absl::InternalError(absl::StrCat("malformed upstream response: ", what));
  result.malformed_response = true;
  result.payload.clear();
  return result;
}

// The one message of an OK unary response, unframed, or an error.
CallResult TakeMessage(std::string body, int64_t max_receive,
                       CallResult result) {
  if (body.empty()) {
    return Malformed("status OK without a response message", std::move(result));
  }
  if (body.size() < kPrefixBytes) {
    return Malformed("truncated message frame", std::move(result));
  }
  const auto* p = reinterpret_cast<const uint8_t*>(body.data());
  if (p[0] != 0) {
    return Malformed(p[0] == 1 ? "compressed message (none was accepted)"
                               : "bad message frame flags",
                     std::move(result));
  }
  const uint64_t length = MessageFrameLength(body);
  if (length > static_cast<uint64_t>(max_receive)) {
    CallResult over = OverReceiveLimit(length, max_receive);
    over.headers = std::move(result.headers);
    over.trailers = std::move(result.trailers);
    return over;
  }
  if (body.size() - kPrefixBytes < length) {
    return Malformed("truncated message", std::move(result));
  }
  if (body.size() - kPrefixBytes > length) {
    return Malformed("more than one message for a unary call",
                     std::move(result));
  }
  body.erase(0, kPrefixBytes);
  result.payload = std::move(body);
  return result;
}

}  // namespace

uint64_t MessageFrameLength(absl::string_view frame) {
  const auto* p = reinterpret_cast<const uint8_t*>(frame.data());
  return (uint64_t{p[1]} << 24) | (uint64_t{p[2]} << 16) |
         (uint64_t{p[3]} << 8) | uint64_t{p[4]};
}

CallResult OverReceiveLimit(uint64_t length, int64_t max_receive) {
  CallResult result;
  result.status = absl::InternalError(absl::StrFormat(
      "upstream response of %d bytes exceeds the receive limit of %d bytes",
      length, max_receive));
  result.malformed_response = true;
  result.over_receive_limit = true;
  return result;
}

std::string GrpcTimeoutValue(absl::Duration timeout) {
  constexpr int64_t kMax = 99999999;
  const int64_t ms =
      absl::ToInt64Milliseconds(absl::Ceil(timeout, absl::Milliseconds(1)));
  if (ms <= kMax) return absl::StrCat(ms < 1 ? 1 : ms, "m");
  const int64_t s = absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)));
  if (s <= kMax) return absl::StrCat(s, "S");
  const int64_t h = absl::ToInt64Hours(absl::Ceil(timeout, absl::Hours(1)));
  return absl::StrCat(h < kMax ? h : kMax, "H");
}

std::string PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() &&
        absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        absl::ascii_isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      int v = 0;
      for (int k = 1; k <= 2; ++k) {
        const char c = absl::ascii_tolower(in[i + k]);
        v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
      }
      out.push_back(static_cast<char>(v));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

std::string EncodeBinaryHeader(absl::string_view raw) {
  std::string out = absl::Base64Escape(raw);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::optional<std::string> DecodeBinaryHeader(absl::string_view value) {
  std::string out;
  if (!absl::Base64Unescape(value, &out)) return std::nullopt;
  return out;
}

namespace {

// The backend's status from what ended a stream; `ok` when it is OK (the
// message(s) are then the caller's to judge).
CallResult JudgeStatus(GrpcResponseParts& parts, bool& ok) {
  ok = false;
  CallResult result;
  result.headers = std::move(parts.headers);
  result.trailers = std::move(parts.trailer_metadata);
  if (parts.http_status != 200) {
    return Malformed(parts.http_status == 0
                         ? std::string("stream ended without response headers")
                         : absl::StrCat("HTTP status ", parts.http_status),
                     std::move(result));
  }
  if (!parts.trailers) {
    return Malformed("stream ended without trailers", std::move(result));
  }
  if (!parts.grpc_status.has_value()) {
    return Malformed("trailers without grpc-status", std::move(result));
  }
  int code = -1;
  const std::string& raw = *parts.grpc_status;
  if (raw.empty() || raw.size() > 2 ||
      !absl::c_all_of(raw, [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(raw, &code) || code > 16) {
    return Malformed(absl::StrCat("invalid grpc-status \"",
                                  absl::CHexEscape(raw.substr(0, 32)), "\""),
                     std::move(result));
  }
  if (code != 0) {
    result.status = absl::Status(static_cast<absl::StatusCode>(code),
                                 PercentDecode(parts.grpc_message));
    result.status_details = std::move(parts.status_details);
    return result;
  }
  ok = true;
  return result;
}

}  // namespace

CallResult ToCallResult(GrpcResponseParts parts, int64_t max_receive) {
  bool ok = false;
  CallResult result = JudgeStatus(parts, ok);
  if (!ok) return result;
  return TakeMessage(std::move(parts.body), max_receive, std::move(result));
}

CallResult ToStreamResult(GrpcResponseParts parts) {
  bool ok = false;
  return JudgeStatus(parts, ok);
}

absl::Status ResetStreamStatus(uint32_t code) {
  switch (code) {
    case 0x7:  // REFUSED_STREAM: not processed, safe to retry.
      return absl::UnavailableError("upstream refused the stream");
    case 0x8:  // CANCEL
      return absl::CancelledError("upstream cancelled the stream");
    case 0xb:  // ENHANCE_YOUR_CALM
      return absl::ResourceExhaustedError(
          "upstream reset the stream (ENHANCE_YOUR_CALM)");
    case 0xc:  // INADEQUATE_SECURITY
      return absl::PermissionDeniedError(
          "upstream reset the stream (INADEQUATE_SECURITY)");
    default:
      return absl::InternalError(
          absl::StrCat("upstream reset the stream (HTTP/2 error ", code, ")"));
  }
}

}  // namespace protogate::upstream
