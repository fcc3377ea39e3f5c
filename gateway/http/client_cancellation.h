// ClientCancellation: the signal that the client abandoned a request before
// its response was complete (an HTTP/2 RST_STREAM from the client, or its
// connection closing), so work done on its behalf (an upstream call) can
// stop. Only HTTP/2 raises it: an HTTP/1.1 Session does not read its
// connection while a request is handled, so it cannot see the client leave
// (a streamed response still sees it when a write fails).
//
// Thread safety: all methods may be called from any thread.
// Ownership: embedded in the connection's per-stream state; the Request
// points at it (Request::cancellation()), valid as long as the Request.
//
// Example (gateway/proxy):
//   if (http::ClientCancellation* gone = request.cancellation()) {
//     auto canceller = std::make_shared<upstream::CallCanceller>();
//     gone->OnCancel([canceller] { canceller->Cancel(); });
//     call.canceller = canceller;
//   }
#pragma once

#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace protogate::http {

class ClientCancellation {
 public:
  ClientCancellation() = default;
  ClientCancellation(const ClientCancellation&) = delete;
  ClientCancellation& operator=(const ClientCancellation&) = delete;

  // For the connection: runs every registered callback, once. Idempotent.
  void Cancel() {
    std::vector<absl::AnyInvocable<void() &&>> to_run;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      to_run.swap(on_cancel_);
    }
    for (auto& fn : to_run) std::move(fn)();
  }

  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Runs `fn` when the client abandons the request, or at once (on this
  // thread) if it already did; never if the response completes first.
  // `fn` must be cheap and must not block; it may run on any thread (the
  // connection's, or this one).
  void OnCancel(absl::AnyInvocable<void() &&> fn) {
    {
      absl::MutexLock lock(&mu_);
      if (!cancelled_) {
        on_cancel_.push_back(std::move(fn));
        return;
      }
    }
    std::move(fn)();
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<absl::AnyInvocable<void() &&>> on_cancel_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::http
