#include "gateway/upstream/retrying_channel.h"

#include <random>
#include <utility>

#include "absl/time/clock.h"
#include "gateway/upstream/retry_observer.h"

namespace protogate::upstream {
namespace {

// A factor in [0.8, 1.2); cheap, per thread.
double Jitter() {
  thread_local std::minstd_rand rng{std::random_device{}()};
  return 0.8 + 0.4 * std::uniform_real_distribution<double>(0, 1)(rng);
}

CallResult CancelledResult() {
  CallResult result;
  result.status = absl::CancelledError("call cancelled");
  return result;
}

}  // namespace

struct RetryingChannel::PendingCall {
  CallRequest request;  // Copied for each attempt.
  CallCallback done;
  int attempts = 0;
  bool budget_refused = false;  // A retry was not made for want of a token.
  FailedAttempt failed;         // The attempt the pending retry follows.
};

namespace {

bool Cancelled(const RetryingChannel::PendingCall& call) {
  return call.request.canceller != nullptr &&
         call.request.canceller->cancelled();
}

void Finish(std::shared_ptr<RetryingChannel::PendingCall> call,
            CallResult result) {
  result.attempts = call->attempts;
  result.retry_budget_refused = call->budget_refused;
  std::move(call->done)(std::move(result));
}

}  // namespace

RetryingChannel::RetryingChannel(Channel& inner, TimerQueue& timers,
                                 std::shared_ptr<RetryBudget> budget,
                                 RetryOptions options)
    : inner_(inner),
      timers_(timers),
      budget_(std::move(budget)),
      options_(options) {}

void RetryingChannel::Call(CallRequest request, CallCallback done) {
  budget_->OnRequest();
  if (request.deadline == absl::InfiniteFuture()) {
    request.deadline = absl::Now() + options_.default_timeout;
  }
  auto call = std::make_shared<PendingCall>();
  call->request = std::move(request);
  call->done = std::move(done);
  StartAttempt(std::move(call));
}

void RetryingChannel::StartAttempt(std::shared_ptr<PendingCall> call) {
  ++call->attempts;
  CallRequest attempt = call->attempts < options_.max_attempts
                            ? call->request
                            : std::move(call->request);  // The last one.
  inner_.Call(std::move(attempt),
              [this, call = std::move(call)](CallResult result) mutable {
                OnAttemptDone(std::move(call), std::move(result));
              });
}

void RetryingChannel::OnAttemptDone(std::shared_ptr<PendingCall> call,
                                    CallResult result) {
  if (!absl::IsUnavailable(result.status) || result.malformed_response ||
      call->attempts >= options_.max_attempts) {
    return Finish(std::move(call), std::move(result));
  }
  if (Cancelled(*call)) return Finish(std::move(call), CancelledResult());
  const absl::Time now = absl::Now();
  const absl::Duration backoff =
      options_.initial_backoff * (1 << (call->attempts - 1)) * Jitter();
  if (now + backoff >= call->request.deadline) {
    return Finish(std::move(call), std::move(result));
  }
  if (!budget_->TryRetry(now)) {
    call->budget_refused = true;
    return Finish(std::move(call), std::move(result));
  }
  call->failed = {.code = result.status.code(),
                  .end_unix_ns = absl::ToUnixNanos(now)};
  timers_.RunAt(now + backoff, [this, call = std::move(call)]() mutable {
    if (Cancelled(*call)) return Finish(std::move(call), CancelledResult());
    if (RetryObserver* observer = call->request.retry_observer) {
      observer->Retrying(call->failed, call->request.traceparent);
    }
    StartAttempt(std::move(call));
  });
}

}  // namespace protogate::upstream
