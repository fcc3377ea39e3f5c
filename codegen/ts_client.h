// TypeScript client classes: one class `<Service>Client` per service with
// one method per described binding (http_bindings.h).
//
// Method name: the lowerCamel rpc name, with the binding index appended for
// additional bindings (`getBook`, `getBook1`). A method takes the request
// (all fields optional, default `{}` for ordinary messages) and optional
// CallOptions; it builds the path from the request (single-segment
// variables with encodeSegment, multi-segment ones with encodePath, absent
// values as their JSON default), the query from QueryParameters() (dotted
// proto names), and the body per the rule minus path-bound fields; it
// resolves to the response (or its response_body field) and rejects with
// ProtogateError. Server-streaming methods return an AsyncIterable reading
// NDJSON.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "codegen/http_bindings.h"
#include "codegen/ts_types.h"
#include "gateway/routing/route.h"
#include "google/protobuf/descriptor.h"

namespace protogate::codegen {

// The TypeScript expression reading `path` from `root`, e.g.
// `request.book?.shelfId` (json names).
std::string TsAccessor(std::string_view root, const routing::FieldPath& path);

// The path of `route` as a template literal over `request`, e.g.
// `/v1/shelves/${encodeSegment(request.shelf ?? "0")}/books`.
std::string TsPathExpression(const routing::Route& route, TsImports& imports);

// The client class of `service` over `bindings` (those of its methods are
// used). FailedPrecondition when two bindings get the same method name.
absl::StatusOr<std::string> TsClientClass(
    const google::protobuf::ServiceDescriptor& service,
    const std::vector<Binding>& bindings, TsImports& imports);

}  // namespace protogate::codegen
