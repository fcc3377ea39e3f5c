// Route building: turns google.api.http rules and the implicit gRPC path of
// a method into resolved Routes (templates parsed, variable field paths,
// body and response_body fields looked up in the method's descriptors).
//
// All errors are FailedPrecondition and start with "method <full name>: ",
// then name the template when one is involved, e.g.
//   method demo.bookstore.v1.Bookstore.GetBook: template "/v1/{shelf.x}":
//   field "shelf.x" not found in demo.bookstore.v1.GetBookRequest
//
// Thread safety: stateless functions.
// Ownership: Routes point at descriptors of `method`'s pool, which must
// outlive them.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gateway/routing/route.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

// Appends the routes of `rule` and of its additional_bindings (one level
// deep; nested additional_bindings are an error) for `method`.
absl::Status AppendRuleRoutes(const google::protobuf::MethodDescriptor& method,
                              const google::api::HttpRule& rule,
                              RouteSource source, std::vector<Route>* out);

// The implicit `POST /package.Service/Method` route, body kWholeMessage.
absl::StatusOr<Route> GrpcPathRoute(
    const google::protobuf::MethodDescriptor& method);

// Resolves the dotted `path` through `message`: every intermediate field a
// singular message, the last a singular non-map scalar or enum, or one of
// google.protobuf.Timestamp, Duration or the *Value wrappers. Returns
// FailedPrecondition `field "<path>" ...` (no method prefix).
absl::StatusOr<FieldPath> ResolveVariableField(
    const google::protobuf::Descriptor& message, std::string_view path);

}  // namespace protogate::routing
