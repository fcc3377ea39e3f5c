// RetryingChannel: a Channel decorator that retries calls failing with
// UNAVAILABLE, with exponential backoff, within the call's deadline and a
// RetryBudget shared by the calls to the same backend.
//
// Policy (one RetryingChannel per policy and backend): at most
// `max_attempts` attempts; before retry n (n = 1, 2, ...) it waits
// initial_backoff x 2^(n-1), varied by up to +-20% at random. No retry when
// the call is not UNAVAILABLE (a malformed response is never retried), when
// the backoff would end at or after the deadline, when the call's canceller
// fired, or when the budget has no token. Every attempt gets the original
// deadline (an InfiniteFuture() deadline becomes now + default_timeout at the
// first attempt, so retries never extend a call). The result is the last
// attempt's, with CallResult::attempts and retry_budget_refused set (the
// gateway's metrics count retries and refusals from them). A request's
// retry_observer hears of each retry just before it is sent
// (retry_observer.h): the gateway's tracing gives each attempt its own span
// and traceparent. Which methods may be
// retried is the caller's decision (the gateway wraps only idempotent or
// configured methods).
//
// Backoff waits are scheduled on a TimerQueue, never slept: no thread is
// blocked. A call whose canceller fired before a retry completes with
// CANCELLED instead of retrying (during a backoff: when the backoff ends).
//
// Thread safety: Call() may be called concurrently from any thread; `done`
// runs on an inner channel's callback thread or the TimerQueue's thread.
// Ownership: borrows `inner` and `timers`, which must outlive this channel;
// shares the budget. The channel must outlive every call it started (until
// its `done` has run).
//
// Example:
//   RetryingChannel ch(*inner, timers, budget,
//                      {.max_attempts = 3,
//                       .initial_backoff = absl::Milliseconds(100)});
//   ch.Call(std::move(request), [](CallResult r) { ... });
#pragma once

#include <memory>

#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/retry_budget.h"
#include "gateway/upstream/timer_queue.h"

namespace protogate::upstream {

struct RetryOptions {
  int max_attempts = 2;  // Including the first; 1 means no retries.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // The deadline of a request whose deadline is InfiniteFuture(); keep it
  // equal to the inner channel's default timeout.
  absl::Duration default_timeout = absl::Seconds(15);
};

class RetryingChannel final : public Channel {
 public:
  // REQUIRES: budget != nullptr; options.max_attempts >= 1.
  RetryingChannel(Channel& inner, TimerQueue& timers,
                  std::shared_ptr<RetryBudget> budget, RetryOptions options);

  void Call(CallRequest request, CallCallback done) override;
  // Streams are not retried (messages may already have been delivered):
  // passed to the inner channel as they are.
  std::shared_ptr<StreamCall> Stream(
      StreamRequest request,
      std::shared_ptr<StreamObserver> observer) override {
    return inner_.Stream(std::move(request), std::move(observer));
  }

  const RetryOptions& options() const { return options_; }
  Channel& inner() const { return inner_; }

  struct PendingCall;  // One call's state across its attempts.

 private:
  void StartAttempt(std::shared_ptr<PendingCall> call);
  void OnAttemptDone(std::shared_ptr<PendingCall> call, CallResult result);

  Channel& inner_;
  TimerQueue& timers_;
  const std::shared_ptr<RetryBudget> budget_;
  const RetryOptions options_;
};

}  // namespace protogate::upstream
