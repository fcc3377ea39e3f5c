#include "gateway/observability/access_log_record.h"

#include "absl/strings/str_format.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::observability {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

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
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  String(writer, "time",
         absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", record.time,
                          absl::UTCTimeZone()));
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
