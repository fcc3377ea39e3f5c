#include "codegen/ts_client.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/ts_declarations.h"
#include "codegen/well_known.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::MethodDescriptor;
using routing::FieldPath;
using routing::Route;
using routing::RouteBody;
using routing::Segment;

enum class Access { kPlain, kOptionalChain };

std::string PropertyAccess(const FieldDescriptor& field, Access access) {
  const std::string key = TsPropertyKey(field.json_name());
  const bool bare = key[0] != '"';
  if (access == Access::kOptionalChain)
    return bare ? "?." + key : absl::StrCat("?.[", key, "]");
  return bare ? "." + key : absl::StrCat("[", key, "]");
}

// Escapes text for a template literal.
std::string TemplateText(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '`' || c == '$') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string JsonPathList(const std::vector<FieldPath>& paths, size_t skip) {
  std::vector<std::string> lists;
  for (const FieldPath& path : paths) {
    std::vector<std::string> keys;
    for (size_t i = skip; i < path.size(); ++i) {
      keys.push_back(TsString(path[i]->json_name()));
    }
    lists.push_back(absl::StrCat("[", absl::StrJoin(keys, ", "), "]"));
  }
  return absl::StrCat("[", absl::StrJoin(lists, ", "), "]");
}

// The value sent for an absent `body: "field"` field.
std::string AbsentBodyValue(const FieldDescriptor& field) {
  if (field.is_map()) return "{}";
  if (field.is_repeated()) return "[]";
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return TsDefaultValue(field);
  }
  switch (WellKnownOf(*field.message_type())) {
    case WellKnown::kNone:
    case WellKnown::kStruct:
    case WellKnown::kAny:
    case WellKnown::kEmpty:
      return "{}";
    case WellKnown::kListValue:
      return "[]";
    default:
      return "null";
  }
}

// The body expression of `route`; empty for no body.
std::string BodyExpression(const Route& route, TsImports& imports) {
  if (route.body == RouteBody::kNone) return "";
  std::string base = "request";
  std::vector<FieldPath> omitted;
  size_t skip = 0;
  if (route.body == RouteBody::kField) {
    const FieldPath field = {route.body_field};
    base = absl::StrCat(TsAccessor("request", field), " ?? ",
                        AbsentBodyValue(*route.body_field));
    skip = 1;
    for (const FieldPath& bound : route.variable_fields) {
      if (bound.size() > 1 && HasPrefix(bound, field)) omitted.push_back(bound);
    }
  } else {
    omitted = route.variable_fields;
  }
  if (omitted.empty()) return base;
  return absl::StrCat(imports.Runtime("omit"), "(", base, ", ",
                      JsonPathList(omitted, skip), ")");
}

std::string RequestParameter(const Descriptor& input, TsImports& imports) {
  std::string out = absl::StrCat("request: ", TsMessageType(input, imports));
  const WellKnown kind = WellKnownOf(input);
  if (kind == WellKnown::kNone || kind == WellKnown::kEmpty ||
      kind == WellKnown::kStruct) {
    out += " = {}";
  }
  return out;
}

std::string ResultType(const Route& route, TsImports& imports) {
  if (route.response_body_field != nullptr) {
    return TsFieldType(*route.response_body_field, imports);
  }
  return TsMessageType(*route.method->output_type(), imports);
}

std::string MethodName(const Binding& binding) {
  std::string name = LowerCamel(binding.route->method->name());
  if (binding.index > 0) absl::StrAppend(&name, binding.index);
  return name;
}

std::string MethodDoc(const Binding& binding) {
  const Route& route = *binding.route;
  std::string doc = Comments(*route.method);
  if (!doc.empty()) doc += "\n\n";
  absl::StrAppend(&doc, "`", route.http_method, " ", route.path.text(), "`");
  return doc;
}

std::string ClientMethod(const Binding& binding, TsImports& imports) {
  const Route& route = *binding.route;
  const MethodDescriptor& method = *route.method;
  const std::string result = ResultType(route, imports);
  const bool streaming = method.server_streaming();
  std::string out = TsDocComment(MethodDoc(binding), "  ");
  absl::StrAppend(&out, "  ", streaming ? "" : "async ", MethodName(binding),
                  "(\n    ", RequestParameter(*method.input_type(), imports),
                  ",\n    options?: ", imports.Runtime("CallOptions"),
                  ",\n  ): ", streaming ? "AsyncIterable<" : "Promise<", result,
                  "> {\n");
  const std::vector<QueryParameter> query = QueryParameters(route);
  if (!query.empty()) {
    absl::StrAppend(&out, "    const query = new ", imports.Runtime("Query"),
                    "();\n");
    for (const QueryParameter& parameter : query) {
      absl::StrAppend(&out, "    query.", parameter.map ? "addMap" : "add", "(",
                      TsString(parameter.name), ", ",
                      TsAccessor("request", parameter.path), ");\n");
    }
  }
  const char* transport = streaming               ? "stream"
                          : HasRawResponse(route) ? "raw"
                                                  : "unary";
  absl::StrAppend(&out, "    return this.transport.", transport, "<", result,
                  ">(\n      {\n",
                  "        method: ", TsString(route.http_method), ",\n",
                  "        path: ", TsPathExpression(route, imports), ",\n");
  if (!query.empty()) out += "        query: query.toString(),\n";
  const std::string body = BodyExpression(route, imports);
  if (!body.empty()) {
    absl::StrAppend(&out, "        ",
                    HasRawRequestBody(route) ? "rawBody" : "body", ": ", body,
                    ",\n");
  }
  out += "      },\n      options,\n    );\n  }\n";
  return out;
}

}  // namespace

std::string TsAccessor(std::string_view root, const FieldPath& path) {
  std::string out(root);
  for (size_t i = 0; i < path.size(); ++i) {
    out += PropertyAccess(*path[i],
                          i == 0 ? Access::kPlain : Access::kOptionalChain);
  }
  return out;
}

std::string TsPathExpression(const Route& route, TsImports& imports) {
  const std::vector<Segment>& segments = route.path.segments();
  const std::vector<routing::Variable>& variables = route.path.variables();
  std::string out = "`";
  size_t next_variable = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    out += "/";
    if (next_variable < variables.size() &&
        variables[next_variable].start_segment == static_cast<int>(i)) {
      const routing::Variable& variable = variables[next_variable];
      const FieldPath& field = route.variable_fields[next_variable];
      absl::StrAppend(&out, "${",
                      imports.Runtime(variable.multi_segment ? "encodePath"
                                                             : "encodeSegment"),
                      "(", TsAccessor("request", field), " ?? ",
                      TsDefaultValue(*field.back()), ")}");
      i = variable.end_segment - 1;
      ++next_variable;
      continue;
    }
    out += TemplateText(segments[i].literal);
  }
  if (segments.empty()) out.push_back('/');
  if (!route.path.verb().empty()) {
    absl::StrAppend(&out, ":", TemplateText(route.path.verb()));
  }
  return out + "`";
}

absl::StatusOr<std::string> TsClientClass(
    const google::protobuf::ServiceDescriptor& service,
    const std::vector<Binding>& bindings, TsImports& imports) {
  std::string out = TsDocComment(Comments(service), "");
  absl::StrAppend(
      &out, "export class ", service.name(), "Client {\n",
      "  private readonly transport: ", imports.Runtime("Transport"), ";\n\n",
      "  constructor(options: ", imports.Runtime("ClientOptions"),
      ") {\n    this.transport = new ", imports.Runtime("Transport"),
      "(options);\n  }\n");
  std::set<std::string> names;
  for (const Binding& binding : bindings) {
    if (binding.route->method->service() != &service) continue;
    if (!names.insert(MethodName(binding)).second) {
      return absl::FailedPreconditionError(
          absl::StrCat("service ", service.full_name(),
                       ": two bindings make the client "
                       "method name \"",
                       MethodName(binding), "\""));
    }
    absl::StrAppend(&out, "\n", ClientMethod(binding, imports));
  }
  out += "}\n";
  return out;
}

}  // namespace protogate::codegen
