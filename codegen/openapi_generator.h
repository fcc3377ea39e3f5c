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
// Output: pretty-printed JSON, deterministic (same inputs, same bytes).
//
// Thread safety: stateless. Ownership: borrows `table`.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::string json,
//                       GenerateOpenApi(*table, {.title = "Bookstore"}));
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "gateway/routing/route_table.h"

namespace protogate::codegen {

struct OpenApiOptions {
  std::string title = "protogate API";
  std::string version = "1.0.0";
  std::string description;  // Left out when empty.
};

// Returns the document. Internal when JSON writing fails (not expected).
absl::StatusOr<std::string> GenerateOpenApi(const routing::RouteTable& table,
                                            const OpenApiOptions& options);

}  // namespace protogate::codegen
