// UnaryChannel: the upstream interface the gateway and the aggregator call
// through. No grpcpp here: implementations live behind it.
//
// Thread safety: Call() may be called concurrently from any thread.
// Ownership: the channel must outlive every call it started (the callback
// has run).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace protogate::upstream {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// CallCanceller: cancels a group of calls at once (e.g. the siblings of a
// failed required plan step). Header-only: the aggregator uses it without
// linking the gRPC implementation.
//
// Thread safety: all methods may be called from any thread.
// Ownership: shared by its user and the calls started with it.
class CallCanceller {
 public:
  // Cancels every call started with this canceller that is still running:
  // each completes soon with CANCELLED. Calls started later complete with
  // CANCELLED at once. Idempotent.
  void Cancel() {
    std::vector<absl::AnyInvocable<void()>> to_run;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      to_run.swap(on_cancel_);
    }
    for (auto& cancel : to_run) cancel();
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // For UnaryChannel implementations: runs `cancel` on Cancel(), or at once
  // (on this thread) if Cancel() already happened. `cancel` must be cheap
  // and must not block; it may run on any thread.
  void OnCancel(absl::AnyInvocable<void()> cancel) {
    {
      absl::MutexLock lock(&mu_);
      if (!cancelled_) {
        on_cancel_.push_back(std::move(cancel));
        return;
      }
    }
    cancel();
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<absl::AnyInvocable<void()>> on_cancel_ ABSL_GUARDED_BY(mu_);
};

struct CallRequest {
  std::string method;   // "/package.Service/Method"
  std::string payload;  // Serialized request message.
  // InfiniteFuture(): the upstream's default_timeout from now.
  absl::Time deadline = absl::InfiniteFuture();
  Metadata metadata;  // Lower-case keys; "-bin" values are raw bytes.
  // Optional: cancels the call when its Cancel() is called.
  std::shared_ptr<CallCanceller> canceller;
};

struct CallResult {
  // OK, or the backend's code and message. UNAVAILABLE when the backend
  // cannot be reached, DEADLINE_EXCEEDED at the deadline, INTERNAL for a
  // malformed response (see malformed_response), RESOURCE_EXHAUSTED when
  // the request is over the send limit (or the backend's receive limit).
  absl::Status status;
  // The backend's answer was not a valid gRPC response: no or a non-numeric
  // grpc-status, an HTTP status other than 200, an OK status without a
  // message, or a message over the receive limit. `status` is then INTERNAL
  // with the detail; the gateway answers 502. Never retried.
  bool malformed_response = false;
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
