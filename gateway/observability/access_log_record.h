// AccessLogRecord: the fields of one access-log line, and their JSON form
// (one object per line, keys below, absent fields omitted), written by hand
// through a pointer into a buffer sized for the worst case up front: no
// per-field allocation or capacity check (rapidjson's Writer cost twice as
// many instructions, std::string appends half again as many).
//
// Only what the gateway decided or measured goes in: never a credential,
// a body or a header value (the client ip is the peer address).
//
// Thread safety: a value; FormatAccessLogJson is a pure function.
//
// Example:
//   AccessLogRecord record;
//   record.time_unix_ns = absl::GetCurrentTimeNanos();
//   record.method = "GET";
//   ...
//   writer.Append(FormatAccessLogJson(record));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace protogate::observability {

// Views borrow the request's data for the duration of the format call.
// client_ip, method, route, trace_id and span_id are written unescaped:
// REQUIRES they hold no `"`, `\` or control character (an IP address, an
// HTTP method token, a gRPC method name, hex), as the gateway's do. The
// other strings are escaped.
struct AccessLogRecord {
  // "time": RFC 3339, UTC, microseconds. Nanoseconds since the Unix epoch,
  // as the observer keeps them: no absl::Time conversion per line.
  int64_t time_unix_ns = 0;
  std::string_view request_id;  // "request_id"
  std::string_view client_ip;   // "client_ip"
  std::string_view method;      // "method": the HTTP method.
  std::string_view target;      // "path": the query string is cut off.
  std::string_view route;       // "route": gRPC method or plan, "-" if none.
  int status = 0;               // "status": the HTTP status.
  int grpc_code = -1;           // "grpc_code": -1 when there was no call.
  int64_t duration_ns = 0;      // "duration_ms": fractional milliseconds.
  uint64_t bytes_in = 0;        // "bytes_in": request body bytes.
  uint64_t bytes_out = 0;       // "bytes_out": response body bytes.
  std::string_view cluster;     // "upstream_cluster"
  std::string_view endpoint;    // "upstream_endpoint"
  int plan_steps = 0;           // "plan_steps": 0 when not a plan.
  std::string_view subject;     // "subject": the authenticated subject.
  std::string_view rate_limit_policy;  // "rate_limit_policy"
  std::string_view trace_id;           // "trace_id": 32 hex digits.
  std::string_view span_id;            // "span_id": the server span.
};

// One JSON object followed by "\n".
std::string FormatAccessLogJson(const AccessLogRecord& record);
// The same line, written into `buffer` and returned as a view into it.
// `buffer` only grows (a per-thread buffer makes formatting free of
// allocation and of clearing the bytes it writes over).
std::string_view FormatAccessLogJson(const AccessLogRecord& record,
                                     std::string& buffer);

}  // namespace protogate::observability
