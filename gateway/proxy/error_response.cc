#include "gateway/proxy/error_response.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aggregator/run_values.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/http_body.h"
#include "gateway/transcoding/response_transcoder.h"
#include "gateway/transcoding/status_json.h"

namespace protogate::proxy {
namespace {

constexpr std::string_view kJson = "application/json";

http::Response JsonResponse(int status, std::string body) {
  http::Response response;
  response.status = status;
  // Room for what the stages and the header rules add (X-Request-Id, the
  // three RateLimit headers) without moving the vector.
  response.headers.reserve(6);
  response.headers.emplace_back(http::ConstantHeaderName("Content-Type"),
                                kJson);
  response.body = std::move(body);
  return response;
}

http::Response UpstreamError(const Snapshot& snapshot, const RouteRuntime& rt,
                             const absl::Status& status,
                             const std::string& details) {
  int http_status = transcoding::HttpStatusFromCode(status.code());
  if (!details.empty()) {
    absl::StatusOr<std::string> json =
        transcoding::StatusWireToJson(snapshot.codecs(), details);
    if (json.ok()) return JsonResponse(http_status, *std::move(json));
    PG_LOG(kWarning) << rt.grpc_method << ": bad grpc-status-details-bin: "
                     << json.status().message();
  }
  std::string_view generic = aggregator::GenericUpstreamMessage(status.code());
  if (!generic.empty()) {
    PG_LOG(kWarning) << rt.grpc_method << ": " << status.ToString();
    return ErrorResponse(status.code(), generic);
  }
  return ErrorResponse(status.code(), base::ToStd(status.message()));
}

// A 502 for a backend response that is not a valid encoding of the method's
// output type.
http::Response BadUpstreamResponse(const RouteRuntime& rt,
                                   const absl::Status& status) {
  PG_LOG(kWarning) << rt.grpc_method
                   << ": bad upstream response: " << status.message();
  http::Response response = ErrorResponse(
      absl::StatusCode::kInternal,
      absl::StrCat("upstream response was malformed: not a valid ",
                   rt.route->method->output_type()->full_name()));
  response.status = 502;
  return response;
}

// A 502 for a backend answer that is not a valid gRPC response (no valid
// grpc-status, ...: CallResult::malformed_response).
http::Response MalformedUpstreamResponse(const RouteRuntime& rt,
                                         const absl::Status& status) {
  PG_LOG(kWarning) << rt.grpc_method
                   << ": malformed upstream response: " << status.ToString();
  http::Response response = ErrorResponse(absl::StatusCode::kInternal,
                                          "upstream response was malformed");
  response.status = 502;
  return response;
}

// A google.api.HttpBody response: its content type and raw bytes.
http::Response RawResponse(const RouteRuntime& rt, std::string_view payload) {
  absl::StatusOr<transcoding::HttpBodyView> body =
      transcoding::ReadHttpBody(payload, rt.route->response_body_field);
  if (!body.ok()) return BadUpstreamResponse(rt, body.status());
  http::Response response;
  response.headers.emplace_back("Content-Type",
                                body->content_type.empty()
                                    ? "application/octet-stream"
                                    : std::move(body->content_type));
  response.body = std::move(body->data);
  return response;
}

// A failed plan run: the status with the failing step named; transport-level
// failures get the generic message (the original is logged).
http::Response PlanError(const RouteRuntime& rt, const absl::Status& status) {
  absl::string_view message = status.message();
  std::string_view generic = aggregator::GenericUpstreamMessage(status.code());
  if (generic.empty())
    return ErrorResponse(status.code(), base::ToStd(message));
  PG_LOG(kWarning) << rt.grpc_method << ": " << status.ToString();
  // Keep the `step "<id>": ` prefix the executor puts first.
  std::string text;
  size_t end = message.find("\": ");
  if (absl::StartsWith(message, "step \"") && end != absl::string_view::npos) {
    text = std::string(message.substr(0, end + 3));
  }
  text.append(generic);
  return ErrorResponse(status.code(), text);
}

}  // namespace

http::Response ErrorResponse(absl::StatusCode code, std::string_view message) {
  return JsonResponse(transcoding::HttpStatusFromCode(code),
                      transcoding::StatusToJson(code, message));
}

http::Response PlanResponse(const Snapshot& snapshot, const RouteRuntime& rt,
                            const aggregator::RunResult& result,
                            const transcoding::PrintOptions& print) {
  http::Response response;
  if (!result.status.ok()) {
    response = PlanError(rt, result.status);
  } else {
    response = UpstreamResponse(
        snapshot, rt, {.status = absl::OkStatus(), .payload = result.response},
        print);
  }
  std::string timing = aggregator::ServerTimingValue(result);
  if (!timing.empty()) response.headers.emplace_back("Server-Timing", timing);
  for (const auto& [name, value] : result.headers) {
    response.headers.emplace_back(name, value);
  }
  return response;
}

http::Response UpstreamResponse(const Snapshot& snapshot,
                                const RouteRuntime& rt,
                                const upstream::CallResult& result,
                                const transcoding::PrintOptions& print) {
  if (result.malformed_response) {
    return MalformedUpstreamResponse(rt, result.status);
  }
  if (!result.status.ok()) {
    return UpstreamError(snapshot, rt, result.status, result.status_details);
  }
  if (rt.http_body_response) return RawResponse(rt, result.payload);
  std::string json;
  absl::Status status = transcoding::BuildResponse(
      snapshot.codecs(), *rt.response_codec, rt.route->response_body_field,
      result.payload, print, &json);
  if (!status.ok()) return BadUpstreamResponse(rt, status);
  return JsonResponse(200, std::move(json));
}

}  // namespace protogate::proxy
