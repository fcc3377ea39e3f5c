// Channel: the upstream interface the gateway and the aggregator call
// through: unary calls, and streaming calls of every kind (server, client
// and bidirectional streaming share one shape here: the request messages
// are sent, the client half-closes, the responses are read one by one).
// No grpcpp here: implementations live behind it.
//
// Thread safety: Call() may be called concurrently from any thread.
// Ownership: the channel must outlive every call it started (the callback
// has run).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace protogate::upstream {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// A call's W3C `traceparent` value, made by the gateway's tracing
// (version 00: "00-<32 hex>-<16 hex>-<2 hex>", 55 characters). It rides
// beside the metadata: sent as that header with no heap string and no
// metadata checks (it is valid by construction). The metadata must then
// not carry a `traceparent` of its own.
struct Traceparent {
  static constexpr size_t kSize = 55;
  std::array<char, kSize> text{};  // All zero: none.

  bool empty() const { return text[0] == '\0'; }
  std::string_view view() const { return {text.data(), kSize}; }
};

// CallCanceller: cancels a group of calls at once (e.g. the siblings of a
// failed required plan step). Header-only: the aggregator uses it without
// linking the HTTP/2 client.
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

  // For Channel implementations: runs `cancel` on Cancel(), or at once
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

class RetryObserver;

struct CallRequest {
  std::string method;   // "/package.Service/Method"
  std::string payload;  // Serialized request message.
  // InfiniteFuture(): the upstream's default_timeout from now.
  absl::Time deadline = absl::InfiniteFuture();
  Metadata metadata;        // Lower-case keys; "-bin" values are raw bytes.
  Traceparent traceparent;  // Sent as `traceparent` unless empty.
  // Optional: cancels the call when its Cancel() is called.
  std::shared_ptr<CallCanceller> canceller;
  // Optional, borrowed: told of each retry (retry_observer.h).
  RetryObserver* retry_observer = nullptr;
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
  // Of those, a message over the receive limit (a gRPC client says
  // RESOURCE_EXHAUSTED for it).
  bool over_receive_limit = false;
  std::string payload;         // Serialized response when status is OK.
  std::string status_details;  // Serialized google.rpc.Status, if sent.
  Metadata headers;            // Initial metadata from the backend.
  Metadata trailers;           // Trailing metadata (minus grpc-status*).
  // The endpoint the (last) attempt went to, as the cluster's config names
  // it; empty when the call was refused before an endpoint was picked.
  // Points into the channel: valid while the channel lives.
  std::string_view endpoint;
  // Set by RetryingChannel: the attempts made (1: not retried), and whether
  // a retry was not made because the retry budget had no token.
  int attempts = 1;
  bool retry_budget_refused = false;
};

using CallCallback = absl::AnyInvocable<void(CallResult) &&>;

struct StreamRequest {
  std::string method;  // "/package.Service/Method"
  // Sent in order, then the client half-closes. Exactly one for a
  // server-streaming method.
  std::vector<std::string> messages;
  // When true, `messages` must be empty: the messages are sent one by one
  // with StreamCall::Write() and WritesDone() half-closes.
  bool write_incrementally = false;
  // InfiniteFuture(): the upstream's default_timeout from now.
  absl::Time deadline = absl::InfiniteFuture();
  Metadata metadata;        // As CallRequest::metadata.
  Traceparent traceparent;  // As CallRequest::traceparent.
};

// Runs once per StreamCall::Write(): true when the message was handed to
// the transport (there is room for the next), false when the call is ending.
using StreamWriteDone = absl::AnyInvocable<void(bool written) &&>;

struct StreamMessage {
  std::string payload;  // One serialized response message.
  Metadata headers;     // The backend's initial metadata, on the first only.
};

class StreamCall;

// Receives the responses of a streaming call.
//
// Thread safety: called one call at a time (never concurrently for one
// stream), and must not block. The upstream client calls it on the event
// loop the call runs on (the I/O thread that started it, see
// h2_channel.h); other implementations may use any thread.
class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  // The call's handle, before any other method (not called for a stream
  // rejected before it started).
  virtual void OnStart(std::shared_ptr<StreamCall> call) = 0;
  // One response message. The next is read only after StreamCall::ReadNext.
  virtual void OnMessage(StreamMessage message) = 0;
  // The end of the call, exactly once and last: its status (as
  // CallResult::status, with CANCELLED after StreamCall::Cancel), details,
  // headers and trailers; `payload` is empty.
  virtual void OnDone(CallResult result) = 0;
};

// The caller's handle on a streaming call.
//
// Thread safety: any thread. Ownership: shared by the caller and the call;
// valid (its methods then do nothing) after OnDone.
class StreamCall {
 public:
  virtual ~StreamCall() = default;
  // Reads the next response message: OnMessage or, at the end, OnDone
  // follows. REQUIRES: once after each OnMessage, unless Cancel() is called
  // instead (one of the two must follow every message, or the call never
  // ends).
  virtual void ReadNext() = 0;
  // Cancels the call; OnDone follows (with CANCELLED unless it completed
  // first). Idempotent.
  virtual void Cancel() = 0;
  // Sends one more request message (StreamRequest::write_incrementally).
  // Waiting for `done` before the next Write() is the backpressure: HTTP/2
  // flow control holds it back while the backend does not read. REQUIRES:
  // one write at a time, before WritesDone(); after `done(false)`, call
  // WritesDone() or Cancel() (the call cannot end before one of them).
  virtual void Write(std::string message, StreamWriteDone done) = 0;
  // Half-closes the request stream (write_incrementally). Idempotent.
  virtual void WritesDone() = 0;
};

class Channel {
 public:
  virtual ~Channel() = default;
  // Starts a unary call and returns at once. `done` runs exactly once, on an
  // arbitrary thread, and must not block. A request rejected before sending
  // (INVALID_ARGUMENT: bad method or metadata; RESOURCE_EXHAUSTED: payload
  // over the send limit; UNAVAILABLE: a cluster without a healthy endpoint)
  // completes inline, before Call() returns.
  virtual void Call(CallRequest request, CallCallback done) = 0;

  // Starts a streaming call and returns its handle. The first response
  // message is read without ReadNext(). `observer` is held until its
  // OnDone has run; a request rejected before sending (as for Call(), or
  // any message over the send limit) completes inline. The default
  // implementation completes with UNIMPLEMENTED.
  virtual std::shared_ptr<StreamCall> Stream(
      StreamRequest request, std::shared_ptr<StreamObserver> observer);
};

// A StreamCall that has already ended: for streams rejected before they
// started.
class EndedStreamCall final : public StreamCall {
 public:
  void ReadNext() override {}
  void Cancel() override {}
  void Write(std::string, StreamWriteDone done) override {
    std::move(done)(false);
  }
  void WritesDone() override {}
};

inline std::shared_ptr<StreamCall> Channel::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  CallResult result;
  result.status = absl::UnimplementedError(
      "this upstream does not support streaming calls (" + request.method +
      ")");
  observer->OnDone(std::move(result));
  return std::make_shared<EndedStreamCall>();
}

}  // namespace protogate::upstream
