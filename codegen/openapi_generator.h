// GenerateOpenApi: an OpenAPI 3.1 document of a RouteTable's HTTP bindings.
//
// The same function serves protoc-gen-protogate and the gateway's
// `GET /-/openapi.json` (from its live table); it uses only descriptors
// and routes, never protoc's plugin API.
//
// Document:
//  - paths: one per described binding (http_bindings.h); the template with
//    each variable as `{field.path}` (`{name=shelves/*}` → `{name}`, the
//    pattern in the parameter's description), verbs kept (`/v1/isbn:check`).
//    Bindings whose HTTP method is not an OpenAPI operation (custom kinds
//    other than HEAD/OPTIONS/TRACE) or whose path and method were already
//    described by an earlier binding are left out.
//  - operations: operationId `Service_Method` (`_<n>` for the n-th
//    additional binding), tag = service name, description from comments,
//    path and query parameters (QueryParameters(), dotted proto names),
//    requestBody per the rule minus path-bound fields, "200" with the
//    response (or its response_body field; server streams as a JSON array
//    or NDJSON) and "default" with the google.rpc.Status error.
//  - components/schemas: every message and enum used (openapi_schemas.h).
//  - security (when OpenApiOptions::security_schemes is not empty):
//    components/securitySchemes (HTTP bearer JWT, apiKey in a header) and,
//    for each operation whose method `method_security` protects, a
//    `security` list: one requirement per accepted scheme with the
//    required scopes as its roles, plus `{}` when anonymous calls pass.
// Output: pretty-printed JSON, deterministic (same inputs, same bytes).
//
// Thread safety: stateless. Ownership: borrows `table`.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::string json,
//                       GenerateOpenApi(*table, {.title = "Bookstore"}));
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/routing/route_table.h"

namespace protogate::codegen {

// One way to authenticate (the gateway's `auth` providers and keys).
struct OpenApiSecurityScheme {
  std::string name;
  std::string api_key_header;  // Empty: an HTTP bearer JWT.
};

// What a method's operations require.
struct OpenApiMethodSecurity {
  std::vector<std::string> schemes;  // Any one of them.
  std::vector<std::string> scopes;   // All of them.
  bool anonymous_allowed = false;
};

struct OpenApiOptions {
  std::string title = "protogate API";
  std::string version = "1.0.0";
  std::string description;  // Left out when empty.
  std::vector<OpenApiSecurityScheme> security_schemes;
  // The security of a method, or nullopt when it is open. Unset: all open.
  std::function<std::optional<OpenApiMethodSecurity>(
      const google::protobuf::MethodDescriptor&)>
      method_security;
};

// Returns the document. Internal when JSON writing fails (not expected).
absl::StatusOr<std::string> GenerateOpenApi(const routing::RouteTable& table,
                                            const OpenApiOptions& options);

}  // namespace protogate::codegen
