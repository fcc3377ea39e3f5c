#include "gateway/admin/admin.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aggregator/explain.h"
#include "gateway/base/json_control_bytes.h"
#include "gateway/base/strings.h"
#include "gateway/explorer/explorer_page.h"
#include "gateway/policy/header_rules.h"
#include "gateway/proxy/error_response.h"
#include "gateway/transcoding/query_params.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::admin {
namespace {

using proxy::ErrorResponse;
using proxy::Snapshot;

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
  // Paths and names may come from a backend's reflection.
  return base::EscapeRawControlBytes(
      std::string(buffer.GetString(), buffer.GetSize()));
}

// GET /-/plans/{method}[?format=dot][&fields=a,b.c]: the compiled plan
// with its critical path, as JSON or as Graphviz DOT; with `fields`, also
// which steps that field selection runs and skips (what a request with
// ?fields= or X-Fields would do).
http::Response PlanExplain(const Snapshot& snapshot,
                           const http::Request& request) {
  std::string_view method = request.path().substr(sizeof("/-/plans/") - 1);
  const aggregator::CompiledPlan* plan = snapshot.FindPlan(method);
  if (plan == nullptr) {
    return ErrorResponse(absl::StatusCode::kNotFound,
                         absl::StrCat("no composition plan for method \"",
                                      base::ToAbsl(method), "\""));
  }
  auto params = transcoding::ParseQuery(request.query());
  if (!params.ok()) {
    return ErrorResponse(params.status().code(),
                         base::ToStd(params.status().message()));
  }
  bool dot = false;
  std::shared_ptr<const aggregator::FieldSelection> selection;
  for (const transcoding::QueryParam& param : *params) {
    if (param.name == "format" && param.value == "dot") {
      dot = true;
    } else if (param.name == "fields") {
      auto parsed = aggregator::FieldSelection::Parse(*plan, param.value);
      if (!parsed.ok()) {
        return ErrorResponse(parsed.status().code(),
                             base::ToStd(parsed.status().message()));
      }
      selection = *std::move(parsed);
    }
  }
  if (dot) {
    http::Response response;
    response.headers.emplace_back("Content-Type", "text/vnd.graphviz");
    response.body = aggregator::ExplainDot(*plan, selection.get());
    return response;
  }
  return Json(200, aggregator::ExplainJson(*plan, selection.get()));
}

// GET /-/readyz: 200 when every cluster a route uses has a healthy
// endpoint, else 503 naming the clusters that have none.
http::Response Readiness(const Snapshot& snapshot, bool serving) {
  if (!serving) {
    return ErrorResponse(absl::StatusCode::kUnavailable,
                         "not ready: the gateway is draining");
  }
  std::vector<upstream::ClusterHealth> clusters = snapshot.ClusterHealth();
  std::string unready;
  for (const upstream::ClusterHealth& c : clusters) {
    if (!c.routed || c.any_healthy()) continue;
    absl::StrAppend(&unready, unready.empty() ? "" : ", ", "\"", c.name, "\"");
  }
  if (!unready.empty()) {
    return ErrorResponse(
        absl::StatusCode::kUnavailable,
        absl::StrCat("not ready: no healthy endpoint in cluster ", unready));
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("ready");
  w.Bool(true);
  w.Key("clusters");
  w.StartArray();
  for (const upstream::ClusterHealth& c : clusters) {
    int healthy = 0;
    for (bool h : c.endpoint_healthy) healthy += h ? 1 : 0;
    w.StartObject();
    w.Key("name");
    w.String(c.name.c_str());
    w.Key("healthyEndpoints");
    w.Int(healthy);
    w.Key("endpoints");
    w.Int(static_cast<int>(c.endpoint_healthy.size()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return Json(200, base::EscapeRawControlBytes(
                       std::string(buffer.GetString(), buffer.GetSize())));
}

}  // namespace

http::Response HandleAdminRequest(const Snapshot& snapshot,
                                  const http::Request& request, bool serving) {
  std::string_view path = request.path();
  if (explorer::IsExplorerPath(path)) {
    return explorer::ExplorerResponse(request, [&](std::string_view method) {
      return snapshot.FindPlan(method) != nullptr;
    });
  }
  bool plans = absl::StartsWith(base::ToAbsl(path), "/-/plans/");
  bool known = plans || path == "/-/healthz" || path == "/-/readyz" ||
               path == "/-/routes" || path == "/-/openapi.json";
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
  if (path == "/-/readyz") return Readiness(snapshot, serving);
  if (path == "/-/openapi.json") return Json(200, snapshot.openapi_json());
  if (plans) return PlanExplain(snapshot, request);
  return Json(200, RoutesJson(snapshot));
}

void ServeAdmin(std::shared_ptr<const proxy::Snapshot> snapshot,
                const http::Request& request, http::Responder responder,
                bool serving) {
  http::Responder finishing = policy::FinishingResponder(
      {snapshot->shared_header_rules(), policy::RequestIdFor(request), {}},
      std::move(responder));
  if (!request.path().starts_with("/-/")) {
    finishing.Send(ErrorResponse(
        absl::StatusCode::kNotFound,
        absl::StrCat("no admin endpoint ", base::ToAbsl(request.path()))));
    return;
  }
  finishing.Send(HandleAdminRequest(*snapshot, request, serving));
}

}  // namespace protogate::admin
