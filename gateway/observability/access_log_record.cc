#include "gateway/observability/access_log_record.h"

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace protogate::observability {
namespace {

// RFC 3339 UTC with microseconds. The date and time up to the second are
// formatted once per second per thread (absl::FormatTime is slow).
void AppendRfc3339Micros(std::string& out, absl::Time time) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string seconds_text;
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t second = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --second;
  }
  if (second != cached_second) {
    seconds_text =
        absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                         absl::UTCTimeZone());
    cached_second = second;
  }
  out.append(seconds_text);
  char digits[8] = {'.', 0, 0, 0, 0, 0, 0, 'Z'};
  for (int i = 6; i >= 1; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  out.append(digits, sizeof(digits));
}

// Bytes a JSON string must escape: `"`, `\` and control characters.
constexpr std::array<bool, 256> kEscaped = [] {
  std::array<bool, 256> escaped{};
  for (int c = 0; c < 0x20; ++c) escaped[c] = true;
  escaped['"'] = escaped['\\'] = true;
  return escaped;
}();

void AppendEscaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (c) {
    case '"':
      out.append("\\\"");
      return;
    case '\\':
      out.append("\\\\");
      return;
    case '\n':
      out.append("\\n");
      return;
    case '\r':
      out.append("\\r");
      return;
    case '\t':
      out.append("\\t");
      return;
    default:
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
  }
}

// `value` as a JSON string, escaped; other bytes as they are (as
// rapidjson's Writer does without UTF-8 validation).
void AppendJsonString(std::string& out, std::string_view value) {
  out.push_back('"');
  size_t plain = 0;  // Start of the bytes not yet appended.
  for (size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    if (!kEscaped[c]) continue;
    out.append(value.data() + plain, i - plain);
    AppendEscaped(out, c);
    plain = i + 1;
  }
  out.append(value.data() + plain, value.size() - plain);
  out.push_back('"');
}

// `,"key":` (the leading comma is left out for the first member).
void AppendKey(std::string& out, std::string_view key) {
  out.append(",\"").append(key).append("\":");
}

void String(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  AppendKey(out, key);
  AppendJsonString(out, value);
}

// A value that needs no escaping by construction (an HTTP method token,
// an IP address, a gRPC method name, hex ids).
void Plain(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  AppendKey(out, key);
  out.push_back('"');
  out.append(value);
  out.push_back('"');
}

void Integer(std::string& out, std::string_view key, int64_t value) {
  AppendKey(out, key);
  absl::StrAppend(&out, value);
}

}  // namespace

std::string FormatAccessLogJson(const AccessLogRecord& record) {
  std::string line;
  line.reserve(512);
  line.append("{\"time\":\"");
  AppendRfc3339Micros(line, record.time);
  line.push_back('"');
  String(line, "request_id", record.request_id);
  Plain(line, "client_ip", record.client_ip);
  Plain(line, "method", record.method);
  String(line, "path", record.target.substr(0, record.target.find('?')));
  Plain(line, "route", record.route.empty() ? "-" : record.route);
  Integer(line, "status", record.status);
  if (record.grpc_code >= 0) Integer(line, "grpc_code", record.grpc_code);
  // Milliseconds with the microseconds as 3 decimals.
  const int64_t micros = absl::ToInt64Microseconds(record.duration);
  Integer(line, "duration_ms", micros / 1000);
  const int64_t fraction = micros % 1000;
  const char decimals[4] = {'.', static_cast<char>('0' + fraction / 100),
                            static_cast<char>('0' + fraction / 10 % 10),
                            static_cast<char>('0' + fraction % 10)};
  if (micros >= 0) line.append(decimals, sizeof(decimals));
  Integer(line, "bytes_in", static_cast<int64_t>(record.bytes_in));
  Integer(line, "bytes_out", static_cast<int64_t>(record.bytes_out));
  String(line, "upstream_cluster", record.cluster);
  String(line, "upstream_endpoint", record.endpoint);
  if (record.plan_steps > 0) Integer(line, "plan_steps", record.plan_steps);
  String(line, "subject", record.subject);
  String(line, "rate_limit_policy", record.rate_limit_policy);
  Plain(line, "trace_id", record.trace_id);
  Plain(line, "span_id", record.span_id);
  line.append("}\n");
  return line;
}

}  // namespace protogate::observability
