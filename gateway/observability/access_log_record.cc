#include "gateway/observability/access_log_record.h"

#include <cstdint>
#include <string_view>

#include "absl/time/time.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::observability {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// RFC 3339 UTC with microseconds. The date and time up to the second are
// formatted once per second per thread (absl::FormatTime is slow).
std::string_view Rfc3339Micros(absl::Time time) {
  thread_local int64_t cached_second = INT64_MIN;
  thread_local std::string text;
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t second = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --second;
  }
  if (second != cached_second) {
    text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                            absl::UTCTimeZone());
    cached_second = second;
  }
  text.resize(19);
  char digits[8] = {'.', 0, 0, 0, 0, 0, 0, 'Z'};
  for (int i = 6; i >= 1; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  text.append(digits, sizeof(digits));
  return text;
}

void String(JsonWriter& writer, const char* key, std::string_view value) {
  if (value.empty()) return;
  writer.Key(key);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void Integer(JsonWriter& writer, const char* key, int64_t value) {
  writer.Key(key);
  writer.Int64(value);
}

}  // namespace

std::string FormatAccessLogJson(const AccessLogRecord& record) {
  thread_local rapidjson::StringBuffer buffer;  // Reused: no allocation.
  buffer.Clear();
  JsonWriter writer(buffer);
  writer.StartObject();
  String(writer, "time", Rfc3339Micros(record.time));
  String(writer, "request_id", record.request_id);
  String(writer, "client_ip", record.client_ip);
  String(writer, "method", record.method);
  String(writer, "path", record.target.substr(0, record.target.find('?')));
  String(writer, "route", record.route.empty() ? "-" : record.route);
  Integer(writer, "status", record.status);
  if (record.grpc_code >= 0) Integer(writer, "grpc_code", record.grpc_code);
  writer.Key("duration_ms");
  writer.Double(absl::ToDoubleMilliseconds(record.duration));
  Integer(writer, "bytes_in", static_cast<int64_t>(record.bytes_in));
  Integer(writer, "bytes_out", static_cast<int64_t>(record.bytes_out));
  String(writer, "upstream_cluster", record.cluster);
  String(writer, "upstream_endpoint", record.endpoint);
  if (record.plan_steps > 0) Integer(writer, "plan_steps", record.plan_steps);
  String(writer, "subject", record.subject);
  String(writer, "rate_limit_policy", record.rate_limit_policy);
  String(writer, "trace_id", record.trace_id);
  String(writer, "span_id", record.span_id);
  writer.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line.push_back('\n');
  return line;
}

}  // namespace protogate::observability
