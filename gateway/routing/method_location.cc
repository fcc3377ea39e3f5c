#include "gateway/routing/method_location.h"

#include "absl/strings/str_cat.h"

namespace protogate::routing {

std::string AtMethodLocation(const google::protobuf::MethodDescriptor& method,
                             absl::string_view message) {
  google::protobuf::SourceLocation location;
  if (!method.GetSourceLocation(&location)) return std::string(message);
  return absl::StrCat(method.file()->name(), ":", location.start_line + 1, ":",
                      location.start_column + 1, ": ", message);
}

}  // namespace protogate::routing
