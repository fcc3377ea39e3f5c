#include "gateway/explorer/explorer_page.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/json_control_bytes.h"
#include "gateway/base/strings.h"
#include "gateway/explorer/embedded_assets.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::explorer {
namespace {

constexpr std::string_view kPrefix = "/-/explorer";

std::string_view ContentType(std::string_view name) {
  if (absl::EndsWith(base::ToAbsl(name), ".js")) {
    return "text/javascript; charset=utf-8";
  }
  if (absl::EndsWith(base::ToAbsl(name), ".css")) {
    return "text/css; charset=utf-8";
  }
  return "text/html; charset=utf-8";
}

http::Response AssetResponse(const EmbeddedAsset& asset) {
  http::Response response;
  response.headers.emplace_back("Content-Type", ContentType(asset.name));
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; connect-src *");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.body = std::string(asset.content);
  return response;
}

// A google.rpc.Status JSON answer.
http::Response Error(int http_status, absl::StatusCode code,
                     std::string_view message) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(static_cast<int>(code));
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.Key("details");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  http::Response response;
  response.status = http_status;
  response.headers.emplace_back("Content-Type", "application/json");
  // The message may hold the client's path.
  response.body = base::EscapeRawControlBytes(
      std::string(buffer.GetString(), buffer.GetSize()));
  return response;
}

http::Response MethodNotAllowed(std::string_view path, std::string_view allow) {
  http::Response response =
      Error(405, absl::StatusCode::kUnimplemented,
            absl::StrCat("method not allowed for ", base::ToAbsl(path),
                         " (allowed: ", base::ToAbsl(allow), ")"));
  response.headers.emplace_back("Allow", allow);
  return response;
}

// POST /-/explorer/plans {"methods":["pkg.Svc.M",...]} ->
// {"plans":[the methods with a composition plan]}.
http::Response Plans(const http::Request& request,
                     absl::FunctionRef<bool(std::string_view)> has_plan) {
  rapidjson::Document doc;
  doc.Parse(request.body().data(), request.body().size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("methods") ||
      !doc["methods"].IsArray()) {
    return Error(400, absl::StatusCode::kInvalidArgument,
                 "field \"methods\": expected an array of method names");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("plans");
  w.StartArray();
  for (const rapidjson::Value& method : doc["methods"].GetArray()) {
    if (!method.IsString()) {
      return Error(400, absl::StatusCode::kInvalidArgument,
                   "field \"methods\": expected an array of method names");
    }
    std::string_view name(method.GetString(), method.GetStringLength());
    if (has_plan(name)) w.String(method.GetString(), method.GetStringLength());
  }
  w.EndArray();
  w.EndObject();
  http::Response response;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = base::EscapeRawControlBytes(
      std::string(buffer.GetString(), buffer.GetSize()));
  return response;
}

}  // namespace

bool IsExplorerPath(std::string_view path) {
  return path == kPrefix ||
         absl::StartsWith(base::ToAbsl(path), "/-/explorer/");
}

http::Response ExplorerResponse(
    const http::Request& request,
    absl::FunctionRef<bool(std::string_view method)> has_plan) {
  std::string_view path = request.path();
  std::string_view name = path.substr(kPrefix.size());
  if (!name.empty()) name.remove_prefix(1);  // The '/'.
  if (name == "plans") {
    if (request.method() != "POST") return MethodNotAllowed(path, "POST");
    return Plans(request, has_plan);
  }
  if (name.empty()) name = "index.html";
  for (const EmbeddedAsset& asset : EmbeddedAssets()) {
    if (asset.name != name) continue;
    if (request.method() != "GET" && request.method() != "HEAD") {
      return MethodNotAllowed(path, "GET");
    }
    return AssetResponse(asset);
  }
  return Error(404, absl::StatusCode::kNotFound,
               absl::StrCat("no explorer file ", base::ToAbsl(path)));
}

}  // namespace protogate::explorer
