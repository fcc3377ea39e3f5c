#include "gateway/http/response_builder.h"

#include <array>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/base/byte_words.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"

namespace protogate::http {
namespace {

namespace bhttp = boost::beast::http;

// RFC 9110 tchar, as a table: IsTokenName runs for every runtime header
// name of every response.
constexpr std::array<bool, 256> kTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = IsTokenChar(static_cast<char>(c));
  return table;
}();

bool IsTokenName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool IsValidValue(std::string_view value) {
  // No CR, LF or NUL: eight bytes at a time (no call per byte value, as
  // three memchr passes cost on the short values of most headers).
  const char* p = value.data();
  size_t n = value.size();
  for (; n >= sizeof(uint64_t); p += sizeof(uint64_t), n -= sizeof(uint64_t)) {
    uint64_t x;
    std::memcpy(&x, p, sizeof(x));
    if ((base::AnyByteBelow(x, 1) | base::AnyByteEqual(x, '\r') |
         base::AnyByteEqual(x, '\n')) != 0) {
      return false;
    }
  }
  for (; n > 0; ++p, --n) {
    if (*p == '\r' || *p == '\n' || *p == '\0') return false;
  }
  return true;
}

// The status written: one outside 100..999 becomes 500.
int WireStatus(int status) {
  return status < 100 || status > 999 ? 500 : status;
}

}  // namespace

bool StatusHasNoBody(int status) {
  return status < 200 || status == 204 || status == 304;
}

// A constant name was checked by the compiler (a token, not managed): only
// its value is checked here.
bool IsSendableField(const HeaderField& field) {
  const auto& [name, value] = field;
  if (name.is_constant()) return IsValidValue(value);
  return !IsManagedHeaderName(name) && IsTokenName(name) && IsValidValue(value);
}

// Formatting the date costs several allocations, so each thread keeps the
// string of the last second it used.
const std::string& HttpDate() {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  const absl::Time now = absl::Now();
  const int64_t second = absl::ToUnixSeconds(now);
  if (second != cached_second) {
    cached_second = second;
    cached =
        absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", now, absl::UTCTimeZone());
  }
  return cached;
}

void SerializeResponseHead(const Response& response,
                           const ResponseFraming& framing, std::string& out) {
  const int status = WireStatus(response.status);
  const std::string_view reason = bhttp::obsolete_reason(
      bhttp::int_to_status(static_cast<unsigned>(status)));
  absl::StrAppend(&out, "HTTP/1.1 ", status, " ", base::ToAbsl(reason), "\r\n");
  for (const HeaderField& field : response.headers) {
    const auto& [name, value] = field;
    if (!IsSendableField(field)) {
      if (!IsManagedHeaderName(name)) {
        PG_LOG(kWarning) << "http: dropping invalid response header " << name;
      }
      continue;
    }
    out.append(name.view()).append(": ").append(value).append("\r\n");
  }
  out.append("Date: ").append(HttpDate()).append("\r\n");
  if (!framing.server_name.empty()) {
    out.append("Server: ").append(framing.server_name).append("\r\n");
  }
  out.append(framing.connection == ConnectionDisposition::kClose
                 ? "Connection: close\r\n"
                 : "Connection: keep-alive\r\n");
  if (framing.body == BodyFraming::kChunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (framing.body == BodyFraming::kContentLength &&
             !StatusHasNoBody(status)) {
    absl::StrAppend(&out, "Content-Length: ", response.body.size(), "\r\n");
  }
  out.append("\r\n");
}

bool ResponseHasBody(const Response& response, const ResponseFraming& framing) {
  return framing.body == BodyFraming::kContentLength && !framing.head_request &&
         !StatusHasNoBody(WireStatus(response.status));
}

std::string FrameChunk(std::string_view data) {
  if (data.empty()) return std::string();
  return absl::StrCat(absl::Hex(data.size()), "\r\n", base::ToAbsl(data),
                      "\r\n");
}

}  // namespace protogate::http

namespace protogate::http {

std::string LastChunk(const Trailers& trailers) {
  std::string out = "0\r\n";
  for (const HeaderField& field : trailers) {
    const auto& [name, value] = field;
    if (!IsSendableField(field)) {
      PG_LOG(kWarning) << "http: dropping invalid response trailer " << name;
      continue;
    }
    out.append(name.view()).append(": ").append(value).append("\r\n");
  }
  out.append("\r\n");
  return out;
}

}  // namespace protogate::http
