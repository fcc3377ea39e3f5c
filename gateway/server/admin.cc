#include "gateway/server/admin.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aggregator/explain.h"
#include "gateway/base/strings.h"
#include "gateway/server/error_response.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::server {
namespace {

std::string_view SourceName(routing::RouteSource source) {
  switch (source) {
    case routing::RouteSource::kAnnotation:
      return "annotation";
    case routing::RouteSource::kConfig:
      return "config";
    case routing::RouteSource::kGrpcPath:
      return "grpc_path";
  }
  return "unknown";
}

http::Response Json(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = std::move(body);
  return response;
}

std::string RoutesJson(const Snapshot& snapshot) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("routes");
  w.StartArray();
  for (const routing::Route& route : snapshot.routes().routes()) {
    w.StartObject();
    w.Key("method");
    w.String(route.method->full_name().c_str());
    w.Key("httpMethod");
    w.String(route.http_method.c_str());
    w.Key("path");
    w.String(route.path.text().c_str());
    w.Key("source");
    std::string_view source = SourceName(route.source);
    w.String(source.data(), static_cast<rapidjson::SizeType>(source.size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// GET /-/plans/{method}[?format=dot]: the compiled plan with its critical
// path, as JSON or as Graphviz DOT.
http::Response PlanExplain(const Snapshot& snapshot,
                           const http::Request& request) {
  std::string_view method = request.path().substr(sizeof("/-/plans/") - 1);
  const aggregator::CompiledPlan* plan = snapshot.FindPlan(method);
  if (plan == nullptr) {
    return ErrorResponse(absl::StatusCode::kNotFound,
                         absl::StrCat("no composition plan for method \"",
                                      base::ToAbsl(method), "\""));
  }
  if (request.query() == "format=dot") {
    http::Response response;
    response.headers.emplace_back("Content-Type", "text/vnd.graphviz");
    response.body = aggregator::ExplainDot(*plan);
    return response;
  }
  return Json(200, aggregator::ExplainJson(*plan));
}

}  // namespace

http::Response HandleAdminRequest(const Snapshot& snapshot,
                                  const http::Request& request, bool serving) {
  std::string_view path = request.path();
  bool plans = absl::StartsWith(base::ToAbsl(path), "/-/plans/");
  bool known = plans || path == "/-/healthz" || path == "/-/routes" ||
               path == "/-/openapi.json";
  if (!known) {
    return ErrorResponse(
        absl::StatusCode::kNotFound,
        absl::StrCat("no admin endpoint ", base::ToAbsl(path)));
  }
  if (request.method() != "GET") {
    http::Response response = ErrorResponse(
        absl::StatusCode::kUnimplemented,
        absl::StrCat("method ", request.method(), " is not allowed for ",
                     base::ToAbsl(path), " (allowed: GET)"));
    response.status = 405;
    response.headers.emplace_back("Allow", "GET");
    return response;
  }
  if (path == "/-/healthz") {
    return serving ? Json(200, R"({"status":"SERVING"})")
                   : Json(503, R"({"status":"DRAINING"})");
  }
  if (path == "/-/openapi.json") return Json(200, snapshot.openapi_json());
  if (plans) return PlanExplain(snapshot, request);
  return Json(200, RoutesJson(snapshot));
}

}  // namespace protogate::server
