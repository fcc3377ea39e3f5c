// Checks on a CallRequest made before anything is sent: a bad method path
// or metadata entry would make an invalid HTTP/2 request (or one a gRPC
// server refuses in its own way), so it is refused here, with a clear error.
//
// Thread safety: stateless functions.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "gateway/upstream/channel.h"

namespace protogate::upstream {

// OK when `request` can be sent. Otherwise INVALID_ARGUMENT naming
// the fault:
// - the method is not "/package.Service/Method";
// - a metadata key is empty, not lower-case [0-9a-z_.-], starts with
//   "grpc-", or is a reserved HTTP/2 header (te, content-type, host,
//   connection and other hop-by-hop headers);
// - a value of a key not ending in "-bin" has bytes outside 0x20..0x7E.
absl::Status ValidateCallRequest(const CallRequest& request);
// The same checks for a streaming call's method and metadata.
absl::Status ValidateCall(const std::string& method, const Metadata& metadata);

}  // namespace protogate::upstream
