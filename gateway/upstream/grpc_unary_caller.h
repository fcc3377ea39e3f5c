// GrpcUnaryCaller: blocking unary gRPC calls of one method on one target
// with serialized messages, for senders that run on their own thread and
// need no routing, retries or clusters (the OTLP span exporter of
// gateway/observability sends TraceService/Export through it).
//
// Thread safety: Call() may be called from any thread, concurrently.
// Ownership: owns its channel (plaintext HTTP/2).
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto caller, GrpcUnaryCaller::Create(
//       "127.0.0.1:4317",
//       "/opentelemetry.proto.collector.trace.v1.TraceService/Export"));
//   PG_ASSIGN_OR_RETURN(std::string response,
//                       caller->Call(request, absl::Seconds(5)));
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace protogate::upstream {

class GrpcUnaryCaller {
 public:
  // InvalidArgument when `target` is not HOST:PORT or `method` not
  // "/package.Service/Method". Connects lazily.
  static absl::StatusOr<std::unique_ptr<GrpcUnaryCaller>> Create(
      const std::string& target, std::string method);
  ~GrpcUnaryCaller();

  // Sends `request`, waits at most `timeout`; the serialized response, or
  // the call's status code with a message that names the method.
  absl::StatusOr<std::string> Call(const std::string& request,
                                   absl::Duration timeout);

 private:
  struct State;
  explicit GrpcUnaryCaller(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace protogate::upstream
