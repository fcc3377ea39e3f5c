#include "gateway/routing/route_builder.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::routing {
namespace {

using google::api::HttpRule;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;

constexpr std::array<std::string_view, 11> kScalarWellKnownTypes = {
    "google.protobuf.Timestamp",   "google.protobuf.Duration",
    "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
    "google.protobuf.Int64Value",  "google.protobuf.UInt64Value",
    "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
    "google.protobuf.BoolValue",   "google.protobuf.StringValue",
    "google.protobuf.BytesValue"};

bool IsScalarWellKnownType(const Descriptor& message) {
  return std::find(kScalarWellKnownTypes.begin(), kScalarWellKnownTypes.end(),
                   message.full_name()) != kScalarWellKnownTypes.end();
}

absl::Status MethodError(const MethodDescriptor& method,
                         std::string_view what) {
  return absl::FailedPreconditionError(
      absl::StrCat("method ", method.full_name(), ": ", base::ToAbsl(what)));
}

absl::Status CheckLeafField(const FieldDescriptor& field,
                            std::string_view path) {
  const std::string prefix =
      absl::StrCat("field \"", base::ToAbsl(path), "\" ");
  if (field.is_map()) {
    return absl::FailedPreconditionError(absl::StrCat(prefix, "is a map"));
  }
  if (field.is_repeated()) {
    return absl::FailedPreconditionError(absl::StrCat(prefix, "is repeated"));
  }
  if (field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !IsScalarWellKnownType(*field.message_type())) {
    return absl::FailedPreconditionError(
        absl::StrCat(prefix, "is a message (",
                     field.message_type()->full_name(), "), not a scalar"));
  }
  return absl::OkStatus();
}

// Parses one binding's pattern into http method and template text.
absl::Status RulePattern(const HttpRule& rule, std::string* http_method,
                         std::string* path) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      *http_method = "GET";
      *path = rule.get();
      break;
    case HttpRule::kPut:
      *http_method = "PUT";
      *path = rule.put();
      break;
    case HttpRule::kPost:
      *http_method = "POST";
      *path = rule.post();
      break;
    case HttpRule::kDelete:
      *http_method = "DELETE";
      *path = rule.delete_();
      break;
    case HttpRule::kPatch:
      *http_method = "PATCH";
      *path = rule.patch();
      break;
    case HttpRule::kCustom:
      *http_method = rule.custom().kind();
      *path = rule.custom().path();
      break;
    case HttpRule::PATTERN_NOT_SET:
      return absl::FailedPreconditionError("http rule has no pattern");
  }
  return absl::OkStatus();
}

bool IsMethodToken(std::string_view kind) {
  if (kind == "*") return true;
  if (kind.empty()) return false;
  for (char c : kind) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9');
    if (!alnum &&
        std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

absl::Status ResolveVariables(const MethodDescriptor& method, Route* route) {
  for (const Variable& variable : route->path.variables()) {
    auto field =
        ResolveVariableField(*method.input_type(), variable.field_path);
    if (!field.ok()) {
      return MethodError(method,
                         absl::StrCat("template \"", route->path.text(),
                                      "\": ", field.status().message()));
    }
    route->variable_fields.push_back(*std::move(field));
  }
  return absl::OkStatus();
}

absl::Status ResolveBody(const MethodDescriptor& method, const HttpRule& rule,
                         Route* route) {
  const std::string& body = rule.body();
  if (body.empty()) return absl::OkStatus();
  if (body == "*") {
    route->body = RouteBody::kWholeMessage;
    return absl::OkStatus();
  }
  route->body = RouteBody::kField;
  route->body_field = method.input_type()->FindFieldByName(body);
  if (route->body_field == nullptr) {
    return MethodError(
        method, absl::StrCat("template \"", route->path.text(), "\": body \"",
                             body, "\" is not a top-level field of ",
                             method.input_type()->full_name()));
  }
  return absl::OkStatus();
}

absl::Status ResolveResponseBody(const MethodDescriptor& method,
                                 const HttpRule& rule, Route* route) {
  const std::string& name = rule.response_body();
  if (name.empty()) return absl::OkStatus();
  route->response_body_field = method.output_type()->FindFieldByName(name);
  if (route->response_body_field == nullptr) {
    return MethodError(method, absl::StrCat("template \"", route->path.text(),
                                            "\": response_body \"", name,
                                            "\" is not a top-level field of ",
                                            method.output_type()->full_name()));
  }
  return absl::OkStatus();
}

absl::StatusOr<Route> RuleRoute(const MethodDescriptor& method,
                                const HttpRule& rule, RouteSource source) {
  Route route;
  route.method = &method;
  route.source = source;
  std::string path;
  if (absl::Status s = RulePattern(rule, &route.http_method, &path); !s.ok()) {
    return MethodError(method, base::ToStd(s.message()));
  }
  if (!IsMethodToken(route.http_method)) {
    return MethodError(
        method, absl::StrCat("template \"", path, "\": invalid custom kind \"",
                             route.http_method, "\""));
  }
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(path);
  if (!parsed.ok())
    return MethodError(method, base::ToStd(parsed.status().message()));
  route.path = *std::move(parsed);
  if (absl::Status s = ResolveVariables(method, &route); !s.ok()) return s;
  if (absl::Status s = ResolveBody(method, rule, &route); !s.ok()) return s;
  if (absl::Status s = ResolveResponseBody(method, rule, &route); !s.ok()) {
    return s;
  }
  return route;
}

}  // namespace

absl::StatusOr<FieldPath> ResolveVariableField(const Descriptor& message,
                                               std::string_view path) {
  FieldPath fields;
  const Descriptor* current = &message;
  for (absl::string_view name : absl::StrSplit(base::ToAbsl(path), '.')) {
    const FieldDescriptor* field =
        current == nullptr ? nullptr
                           : current->FindFieldByName(std::string(name));
    if (field == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("field \"", base::ToAbsl(path), "\" not found in ",
                       message.full_name()));
    }
    if (!fields.empty() && fields.back()->is_repeated()) {
      return absl::FailedPreconditionError(
          absl::StrCat("field \"", base::ToAbsl(path), "\": \"",
                       fields.back()->name(), "\" is repeated"));
    }
    fields.push_back(field);
    current = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                  ? field->message_type()
                  : nullptr;
  }
  if (absl::Status s = CheckLeafField(*fields.back(), path); !s.ok()) return s;
  return fields;
}

absl::Status AppendRuleRoutes(const MethodDescriptor& method,
                              const HttpRule& rule, RouteSource source,
                              std::vector<Route>* out) {
  absl::StatusOr<Route> primary = RuleRoute(method, rule, source);
  if (!primary.ok()) return primary.status();
  out->push_back(*std::move(primary));
  for (const HttpRule& binding : rule.additional_bindings()) {
    if (binding.additional_bindings_size() > 0) {
      std::string http_method, path;
      RulePattern(binding, &http_method, &path).IgnoreError();
      return MethodError(method,
                         absl::StrCat("template \"", path,
                                      "\": additional_bindings may not nest"));
    }
    absl::StatusOr<Route> route = RuleRoute(method, binding, source);
    if (!route.ok()) return route.status();
    out->push_back(*std::move(route));
  }
  return absl::OkStatus();
}

absl::StatusOr<Route> GrpcPathRoute(const MethodDescriptor& method) {
  const std::string text =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(text);
  if (!parsed.ok())
    return MethodError(method, base::ToStd(parsed.status().message()));
  Route route;
  route.method = &method;
  route.http_method = "POST";
  route.path = *std::move(parsed);
  route.body = RouteBody::kWholeMessage;
  route.source = RouteSource::kGrpcPath;
  return route;
}

}  // namespace protogate::routing
