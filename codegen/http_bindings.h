// HttpBindings: which routes of a RouteTable the generators describe, and
// how each one's request is split into path, query and body.
//
// Described: every route of a method that is not client- or bidi-streaming,
// except
//  - routes with custom kind "*" (any HTTP method: no single client call);
//  - routes whose template has a `*`/`**` outside a variable (a client
//    could not fill it);
//  - the implicit `POST /package.Service/Method` route, unless the method
//    has no other described route (then it is the method's only binding).
// Binding index: 0 for the first google.api.http binding (or the gRPC path
// route), n for the n-th additional binding; stable when others are
// skipped.
//
// Thread safety: stateless functions. Ownership: results point into the
// table (and its descriptors), which must outlive them.
#pragma once

#include <string>
#include <vector>

#include "gateway/routing/route.h"
#include "gateway/routing/route_table.h"

namespace protogate::codegen {

struct Binding {
  const routing::Route* route = nullptr;
  int index = 0;
};

// A request field the client sends as a query parameter.
struct QueryParameter {
  std::string name;         // Dotted proto field names, e.g. "book.title".
  routing::FieldPath path;  // The fields along `name`.
  // A map with scalar-like values, sent as `name[key]=value` per entry.
  bool map = false;
};

// The described bindings, in the table's order (service, method, binding).
std::vector<Binding> DescribedBindings(const routing::RouteTable& table);

// The query parameters of `route`: with no body or `body: "field"`, every
// scalar-like field (see well_known.h, repeated ones too) and every map with
// scalar-like values not bound by the path or the body, with singular
// non-well-known message fields flattened into dotted names (recursion stops at
// a message already on the path). None for `body: "*"`. In field declaration
// order.
std::vector<QueryParameter> QueryParameters(const routing::Route& route);

// True when `path` starts with `prefix` (same fields).
bool HasPrefix(const routing::FieldPath& path,
               const routing::FieldPath& prefix);

// True when the route's body (the whole request or its body field) is a
// google.api.HttpBody, sent as raw bytes.
bool HasRawRequestBody(const routing::Route& route);
// True when the route's result (the response or its response_body field)
// is a google.api.HttpBody, answered as raw bytes.
bool HasRawResponse(const routing::Route& route);

}  // namespace protogate::codegen
