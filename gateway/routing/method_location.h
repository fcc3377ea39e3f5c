// AtMethodLocation: a problem's message after the .proto location of the
// method it is about ("demo/storefront.proto:203:3: ..."), as a compiler
// words it, for the problems --validate and a failed start report.
//
// Thread safety: a stateless function.
//
// Example:
//   problems.push_back(AtMethodLocation(method, "template \"/v1\": ..."));
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace protogate::routing {

// `message` prefixed with "FILE:LINE:COLUMN: " of `method` (1-based), or
// unchanged when the method's pool has no source info.
std::string AtMethodLocation(const google::protobuf::MethodDescriptor& method,
                             absl::string_view message);

}  // namespace protogate::routing
