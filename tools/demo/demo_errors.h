// Errors of the demo bookstore: grpc::Status values that carry a serialized
// google.rpc.Status (code, message, one detail) as their error details, the
// way real services report rich errors.
//
// Thread safety: stateless functions.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

// NOT_FOUND with `message` and a google.rpc.ResourceInfo detail, e.g.
// NotFound("demo.bookstore.v1.Shelf", "shelves/9", "shelf 9 not found").
grpc::Status NotFound(absl::string_view resource_type,
                      absl::string_view resource_name, std::string message);

// INVALID_ARGUMENT with message "<field>: <description>" and a
// google.rpc.BadRequest detail holding one field violation.
grpc::Status BadField(absl::string_view field, absl::string_view description);

}  // namespace protogate::demo
