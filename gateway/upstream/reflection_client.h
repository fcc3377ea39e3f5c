// FetchReflection: the services of a gRPC server and the descriptors they
// need, read through gRPC server reflection.
//
// Speaks grpc.reflection.v1.ServerReflection and, when the server answers
// that with UNIMPLEMENTED, grpc.reflection.v1alpha.ServerReflection (the
// messages are the same on the wire). On one ServerReflectionInfo stream it
// asks list_services, then file_containing_symbol for every listed service
// (minus grpc.reflection.* and grpc.health.*), then file_by_filename for
// every import not received yet, until the set of files is closed under
// imports. Uses its own channel and completion queue; blocks the caller.
// Meant for start-up and background refresh, never the request path.
//
// Thread safety: a stateless function; concurrent calls are independent.
//
// Example:
//   PG_ASSIGN_OR_RETURN(ReflectionResult r,
//                       FetchReflection("127.0.0.1:50051", {}));
//   for (const std::string& service : r.services) ...
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::upstream {

struct ReflectionOptions {
  // Bounds each attempt (v1, then v1alpha): connecting and every exchange.
  absl::Duration timeout = absl::Seconds(10);
  // Stops following imports after this many files (a misbehaving server).
  int max_files = 10000;
};

struct ReflectionResult {
  // "v1" or "v1alpha": the protocol the server answered.
  std::string protocol;
  // The listed services, sorted, without grpc.reflection.* and
  // grpc.health.*.
  std::vector<std::string> services;
  // Serialized google.protobuf.FileDescriptorProtos by file name: the files
  // of the services and everything they import.
  std::map<std::string, std::string> files;
};

// Returns UNAVAILABLE / DEADLINE_EXCEEDED when the server cannot be reached
// in time, UNIMPLEMENTED when it serves neither reflection version,
// FAILED_PRECONDITION for an error response or a file that does not parse,
// and RESOURCE_EXHAUSTED past max_files. Messages name the target and the
// request at fault.
absl::StatusOr<ReflectionResult> FetchReflection(
    const std::string& target, const ReflectionOptions& options);

}  // namespace protogate::upstream
