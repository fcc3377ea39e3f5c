// Route: one HTTP binding of one gRPC method, resolved against descriptors.
//
// Thread safety: immutable once its RouteTable is built.
// Ownership: descriptors belong to the DescriptorPool the table was built
// from, which must outlive the table.
#pragma once

#include <string>
#include <vector>

#include "gateway/routing/path_template.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

using FieldPath = std::vector<const google::protobuf::FieldDescriptor*>;

enum class RouteSource {
  kAnnotation,  // google.api.http option on the method.
  kConfig,      // An http rule from configuration.
  kGrpcPath,    // The implicit POST /package.Service/Method route.
};

enum class RouteBody {
  kNone,          // No body.
  kWholeMessage,  // body: "*"
  kField,         // body: "field"
};

struct Route {
  const google::protobuf::MethodDescriptor* method = nullptr;
  std::string http_method;  // "GET", "POST", a custom kind, or "*".
  PathTemplate path;
  // One resolved field path per path variable, aligned with
  // path.variables().
  std::vector<FieldPath> variable_fields;
  RouteBody body = RouteBody::kNone;
  const google::protobuf::FieldDescriptor* body_field = nullptr;
  // Non-null for response_body: "field".
  const google::protobuf::FieldDescriptor* response_body_field = nullptr;
  RouteSource source = RouteSource::kAnnotation;
};

}  // namespace protogate::routing
