// UnaryChannel: the upstream interface the gateway and the aggregator call
// through. No grpcpp here: implementations live behind it.
//
// Thread safety: Call() may be called concurrently from any thread.
// Ownership: the channel must outlive every call it started (the callback
// has run).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace protogate::upstream {

using Metadata = std::vector<std::pair<std::string, std::string>>;

struct CallRequest {
  std::string method;   // "/package.Service/Method"
  std::string payload;  // Serialized request message.
  // InfiniteFuture(): the upstream's default_timeout from now.
  absl::Time deadline = absl::InfiniteFuture();
  Metadata metadata;  // Lower-case keys; "-bin" values are raw bytes.
};

struct CallResult {
  // OK, or the backend's code and message. UNAVAILABLE when the backend
  // cannot be reached, DEADLINE_EXCEEDED at the deadline, INTERNAL for a
  // malformed response (no valid grpc-status, no message, or one over the
  // receive limit), RESOURCE_EXHAUSTED when the request is over the send
  // limit (or the backend's receive limit).
  absl::Status status;
  std::string payload;         // Serialized response when status is OK.
  std::string status_details;  // Serialized google.rpc.Status, if sent.
  Metadata headers;            // Initial metadata from the backend.
  Metadata trailers;           // Trailing metadata (minus grpc-status*).
};

using CallCallback = absl::AnyInvocable<void(CallResult) &&>;

class UnaryChannel {
 public:
  virtual ~UnaryChannel() = default;
  // Starts a unary call and returns at once. `done` runs exactly once, on an
  // arbitrary thread, and must not block. A request rejected before sending
  // (INVALID_ARGUMENT: bad method or metadata; RESOURCE_EXHAUSTED: payload
  // over the send limit) completes inline, before Call() returns.
  virtual void Call(CallRequest request, CallCallback done) = 0;
};

}  // namespace protogate::upstream
