#include "codegen/openapi_generator.h"

#include <set>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "codegen/http_bindings.h"
#include "codegen/openapi_schemas.h"
#include "codegen/well_known.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"

namespace protogate::codegen {
namespace {

using google::protobuf::MethodDescriptor;
using rapidjson::Value;
using routing::FieldPath;
using routing::Route;
using routing::RouteBody;
using routing::Segment;

constexpr std::string_view kOperations[] = {
    "get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string SegmentText(const Segment& segment) {
  switch (segment.kind) {
    case Segment::Kind::kSingleWildcard:
      return "*";
    case Segment::Kind::kMultiWildcard:
      return "**";
    default:
      return segment.literal;
  }
}

// The variable's pattern, e.g. "shelves/*"; "*" for `{x}`.
std::string VariablePattern(const Route& route, const routing::Variable& v) {
  std::vector<std::string> parts;
  for (int i = v.start_segment; i < v.end_segment; ++i) {
    parts.push_back(SegmentText(route.path.segments()[i]));
  }
  return absl::StrJoin(parts, "/");
}

std::string OpenApiPath(const Route& route) {
  const std::vector<Segment>& segments = route.path.segments();
  const std::vector<routing::Variable>& variables = route.path.variables();
  if (segments.empty()) return "/";  // The root has no verb.
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    out += "/";
    if (next < variables.size() &&
        variables[next].start_segment == static_cast<int>(i)) {
      absl::StrAppend(&out, "{", variables[next].field_path, "}");
      i = variables[next].end_segment - 1;
      ++next;
      continue;
    }
    out += segments[i].literal;
  }
  if (!route.path.verb().empty()) absl::StrAppend(&out, ":", route.path.verb());
  return out;
}

class DocumentWriter {
 public:
  DocumentWriter(rapidjson::Document& document, const OpenApiOptions& options)
      : allocator_(document.GetAllocator()),
        schemas_(allocator_),
        options_(options) {}

  Value Operation(const Binding& binding) {
    const Route& route = *binding.route;
    const MethodDescriptor& method = *route.method;
    Value op(rapidjson::kObjectType);
    Value tags(rapidjson::kArrayType);
    tags.PushBack(Str(method.service()->name()), allocator_);
    op.AddMember("tags", tags, allocator_);
    const std::string doc = Comments(method);
    if (!doc.empty()) op.AddMember("description", Str(doc), allocator_);
    std::string id = absl::StrCat(method.service()->name(), "_", method.name());
    if (binding.index > 0) absl::StrAppend(&id, "_", binding.index);
    op.AddMember("operationId", Str(id), allocator_);
    Value parameters = Parameters(route);
    if (!parameters.Empty()) op.AddMember("parameters", parameters, allocator_);
    if (HasRawRequestBody(route)) {
      Value body = RawContent();
      body.AddMember("description",
                     "Raw bytes (a google.api.HttpBody): the Content-Type "
                     "header is its content_type.",
                     allocator_);
      op.AddMember("requestBody", body, allocator_);
    } else if (route.body != RouteBody::kNone) {
      op.AddMember("requestBody", Content(BodySchema(route), false),
                   allocator_);
    }
    op.AddMember("responses", Responses(route), allocator_);
    if (options_.method_security) {
      std::optional<OpenApiMethodSecurity> security =
          options_.method_security(method);
      if (security.has_value()) {
        op.AddMember("security", Security(*security), allocator_);
      }
    }
    return op;
  }

  // components/securitySchemes.
  Value SecuritySchemes() {
    Value out(rapidjson::kObjectType);
    for (const OpenApiSecurityScheme& scheme : options_.security_schemes) {
      Value s(rapidjson::kObjectType);
      if (scheme.api_key_header.empty()) {
        s.AddMember("type", "http", allocator_);
        s.AddMember("scheme", "bearer", allocator_);
        s.AddMember("bearerFormat", "JWT", allocator_);
      } else {
        s.AddMember("type", "apiKey", allocator_);
        s.AddMember("in", "header", allocator_);
        s.AddMember("name", Str(scheme.api_key_header), allocator_);
      }
      out.AddMember(Str(scheme.name), s, allocator_);
    }
    return out;
  }

  OpenApiSchemas& schemas() { return schemas_; }
  Value Str(std::string_view text) { return JsonString(text, allocator_); }

 private:
  Value Parameter(std::string_view name, std::string_view in, Value schema) {
    Value parameter(rapidjson::kObjectType);
    parameter.AddMember("name", Str(name), allocator_);
    parameter.AddMember("in", Str(in), allocator_);
    if (schema.HasMember("description")) {
      parameter.AddMember("description", schema["description"], allocator_);
      schema.RemoveMember("description");
    }
    parameter.AddMember("required", in == "path", allocator_);
    parameter.AddMember("schema", schema, allocator_);
    return parameter;
  }

  Value Parameters(const Route& route) {
    Value out(rapidjson::kArrayType);
    const std::vector<routing::Variable>& variables = route.path.variables();
    for (size_t i = 0; i < variables.size(); ++i) {
      Value schema = schemas_.Field(*route.variable_fields[i].back());
      const std::string pattern = VariablePattern(route, variables[i]);
      if (pattern != "*") {
        std::string doc = schema.HasMember("description")
                              ? schema["description"].GetString()
                              : "";
        if (!doc.empty()) doc += "\n\n";
        absl::StrAppend(&doc, "Pattern: `", pattern, "`",
                        variables[i].multi_segment
                            ? "; the value may contain '/', which separates "
                              "segments and is not percent-encoded."
                            : ".");
        schema.RemoveMember("description");
        schema.AddMember("description", Str(doc), allocator_);
      }
      out.PushBack(
          Parameter(variables[i].field_path, "path", std::move(schema)),
          allocator_);
    }
    for (const QueryParameter& query : QueryParameters(route)) {
      Value parameter =
          Parameter(query.name, "query", schemas_.Field(*query.path.back()));
      if (query.map) {  // name[key]=value per entry.
        parameter.AddMember("style", "deepObject", allocator_);
        parameter.AddMember("explode", true, allocator_);
      }
      out.PushBack(parameter, allocator_);
    }
    return out;
  }

  Value BodySchema(const Route& route) {
    if (route.body == RouteBody::kWholeMessage) {
      return schemas_.MessageWithout(*route.method->input_type(),
                                     route.variable_fields);
    }
    std::vector<FieldPath> below;
    for (const FieldPath& path : route.variable_fields) {
      if (path.size() > 1 && path.front() == route.body_field) {
        below.emplace_back(path.begin() + 1, path.end());
      }
    }
    if (below.empty()) return schemas_.Field(*route.body_field);
    return schemas_.MessageWithout(*route.body_field->message_type(), below);
  }

  Value Content(Value schema, bool ndjson) {
    Value content(rapidjson::kObjectType);
    if (ndjson) {
      Value array(rapidjson::kObjectType);
      array.AddMember("type", "array", allocator_);
      Value copy(schema, allocator_);
      array.AddMember("items", copy, allocator_);
      Value json(rapidjson::kObjectType);
      json.AddMember("schema", array, allocator_);
      content.AddMember("application/json", json, allocator_);
      Value lines(rapidjson::kObjectType);
      lines.AddMember("schema", schema, allocator_);
      Value events(rapidjson::kObjectType);
      Value text(rapidjson::kObjectType);
      text.AddMember("type", "string", allocator_);
      events.AddMember("schema", text, allocator_);
      content.AddMember("application/x-ndjson", lines, allocator_);
      content.AddMember("text/event-stream", events, allocator_);
    } else {
      Value json(rapidjson::kObjectType);
      json.AddMember("schema", schema, allocator_);
      content.AddMember("application/json", json, allocator_);
    }
    Value out(rapidjson::kObjectType);
    out.AddMember("content", content, allocator_);
    return out;
  }

  // Any media type, any bytes.
  Value RawContent() {
    Value content(rapidjson::kObjectType);
    content.AddMember("*/*", Value(rapidjson::kObjectType), allocator_);
    Value out(rapidjson::kObjectType);
    out.AddMember("content", content, allocator_);
    return out;
  }

  Value Responses(const Route& route) {
    const bool stream = route.method->server_streaming();
    Value ok(rapidjson::kObjectType);
    if (HasRawResponse(route)) {
      ok = RawContent();
      ok.AddMember("description",
                   Str(stream ? "Raw bytes: the data of each "
                                "google.api.HttpBody of the stream, with the "
                                "first one's content_type."
                              : "Raw bytes (a google.api.HttpBody) with its "
                                "content_type."),
                   allocator_);
    } else {
      Value result = route.response_body_field != nullptr
                         ? schemas_.Field(*route.response_body_field)
                         : schemas_.Message(*route.method->output_type());
      ok = Content(std::move(result), stream);
      ok.AddMember(
          "description",
          Str(stream ? "A stream of responses, written as they arrive: a JSON "
                       "array, one JSON message a line (Accept: "
                       "application/x-ndjson) or server-sent events (Accept: "
                       "text/event-stream). An error after the first message "
                       "is the last element, line or `error` event (a "
                       "google.rpc.Status), and the response is then cut "
                       "short."
                     : "The response."),
          allocator_);
    }
    Value error = Content(schemas_.StatusRef(), false);
    error.AddMember("description",
                    "An error: a google.rpc.Status and the HTTP status its "
                    "code maps to.",
                    allocator_);
    Value out(rapidjson::kObjectType);
    out.AddMember("200", ok, allocator_);
    out.AddMember("default", error, allocator_);
    return out;
  }

  // One requirement per scheme (scopes as roles, OpenAPI 3.1), `{}` last
  // when anonymous calls pass.
  Value Security(const OpenApiMethodSecurity& security) {
    Value out(rapidjson::kArrayType);
    for (const std::string& scheme : security.schemes) {
      Value roles(rapidjson::kArrayType);
      for (const std::string& scope : security.scopes) {
        roles.PushBack(Str(scope), allocator_);
      }
      Value requirement(rapidjson::kObjectType);
      requirement.AddMember(Str(scheme), roles, allocator_);
      out.PushBack(requirement, allocator_);
    }
    if (security.anonymous_allowed) {
      out.PushBack(Value(rapidjson::kObjectType), allocator_);
    }
    return out;
  }

  JsonAllocator& allocator_;
  OpenApiSchemas schemas_;
  const OpenApiOptions& options_;
};

bool IsOperation(std::string_view name) {
  for (std::string_view op : kOperations) {
    if (op == name) return true;
  }
  return false;
}

Value Info(const OpenApiOptions& options, DocumentWriter& writer,
           JsonAllocator& allocator) {
  Value info(rapidjson::kObjectType);
  info.AddMember("title", writer.Str(options.title), allocator);
  info.AddMember("version", writer.Str(options.version), allocator);
  if (!options.description.empty()) {
    info.AddMember("description", writer.Str(options.description), allocator);
  }
  return info;
}

Value Tags(const std::vector<Binding>& bindings, DocumentWriter& writer,
           JsonAllocator& allocator) {
  Value tags(rapidjson::kArrayType);
  std::set<std::string> seen;
  for (const Binding& binding : bindings) {
    const auto& service = *binding.route->method->service();
    if (!seen.insert(service.name()).second) continue;
    Value tag(rapidjson::kObjectType);
    tag.AddMember("name", writer.Str(service.name()), allocator);
    const std::string doc = Comments(service);
    if (!doc.empty()) tag.AddMember("description", writer.Str(doc), allocator);
    tags.PushBack(tag, allocator);
  }
  return tags;
}

}  // namespace

absl::StatusOr<std::string> GenerateOpenApi(const routing::RouteTable& table,
                                            const OpenApiOptions& options) {
  rapidjson::Document document(rapidjson::kObjectType);
  JsonAllocator& allocator = document.GetAllocator();
  DocumentWriter writer(document, options);
  const std::vector<Binding> bindings = DescribedBindings(table);
  Value paths(rapidjson::kObjectType);
  for (const Binding& binding : bindings) {
    const std::string op = absl::AsciiStrToLower(binding.route->http_method);
    if (!IsOperation(op)) continue;
    const std::string path = OpenApiPath(*binding.route);
    if (!paths.HasMember(path.c_str())) {
      paths.AddMember(writer.Str(path), Value(rapidjson::kObjectType),
                      allocator);
    }
    Value& item = paths[path.c_str()];
    if (item.HasMember(op.c_str())) continue;
    item.AddMember(writer.Str(op), writer.Operation(binding), allocator);
  }
  document.AddMember("openapi", "3.1.0", allocator);
  document.AddMember("info", Info(options, writer, allocator), allocator);
  document.AddMember("tags", Tags(bindings, writer, allocator), allocator);
  document.AddMember("paths", paths, allocator);
  Value components(rapidjson::kObjectType);
  components.AddMember("schemas", writer.schemas().Components(), allocator);
  if (!options.security_schemes.empty()) {
    components.AddMember("securitySchemes", writer.SecuritySchemes(),
                         allocator);
  }
  document.AddMember("components", components, allocator);

  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> json(buffer);
  json.SetIndent(' ', 2);
  if (!document.Accept(json)) {
    return absl::InternalError("openapi: writing the JSON document failed");
  }
  return absl::StrCat(buffer.GetString(), "\n");
}

}  // namespace protogate::codegen
