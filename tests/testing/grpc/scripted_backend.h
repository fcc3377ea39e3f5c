// ScriptedBackend: a real gRPC server on 127.0.0.1:0 that answers any method
// with scripted replies (status, payload, initial metadata, trailers) and
// records every call it receives (method, client metadata, request bytes).
// Tests use it to count attempts (retries), to see the metadata the gateway
// forwards, and to send metadata or undecodable payloads back.
//
// Thread safety: all methods may be called from any thread, also while
// calls are served.
// Ownership: owns the server; the destructor shuts it down.
//
// Example:
//   auto backend = ScriptedBackend::Start();
//   (*backend)->Push("/pkg.S/M", {.code = grpc::StatusCode::UNAVAILABLE}, 2);
//   (*backend)->SetDefault("/pkg.S/M", {.payload = reply.SerializeAsString()});
//   ... // the first two calls fail, the others succeed
//   EXPECT_EQ((*backend)->calls("/pkg.S/M"), 3);
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/server.h"

namespace protogate::testing {

struct ScriptedReply {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string payload;  // The response message bytes; sent when code is OK.
  std::vector<std::pair<std::string, std::string>> initial_metadata;
  std::vector<std::pair<std::string, std::string>> trailing_metadata;
};

struct ReceivedCall {
  std::string method;
  std::multimap<std::string, std::string> metadata;  // Client metadata.
  std::string payload;
};

class ScriptedBackend {
 public:
  static absl::StatusOr<std::unique_ptr<ScriptedBackend>> Start();
  ~ScriptedBackend();
  ScriptedBackend(const ScriptedBackend&) = delete;
  ScriptedBackend& operator=(const ScriptedBackend&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"

  // The next `times` calls of `method` ("/pkg.Service/Method") get `reply`,
  // after the replies pushed before.
  void Push(const std::string& method, const ScriptedReply& reply,
            int times = 1);
  // The reply once the pushed ones are used up. Without one: UNIMPLEMENTED.
  void SetDefault(const std::string& method, ScriptedReply reply);

  // Calls of `method` received so far.
  int calls(const std::string& method) const;
  std::vector<ReceivedCall> received() const;

 private:
  class Service;
  ScriptedBackend() = default;
  ScriptedReply NextReply(ReceivedCall call);

  mutable absl::Mutex mu_;
  std::map<std::string, std::deque<ScriptedReply>> pushed_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, ScriptedReply> defaults_ ABSL_GUARDED_BY(mu_);
  std::vector<ReceivedCall> received_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace protogate::testing
