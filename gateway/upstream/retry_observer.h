// RetryObserver: hears of each retry a channel makes of one unary call
// (RetryingChannel), just before the retry is sent, so that each attempt
// can be traced as a call of its own: the observer records the failed
// attempt and may give the retry its own `traceparent`.
//
// A caller sets CallRequest::retry_observer; channels that do not retry
// never call it.
//
// Thread safety: Retrying() runs on the thread that sends the retry (the
// retrying channel's timer thread); the calls for one request are
// sequential (each after the previous attempt ended) and all happen before
// the call's `done` runs.
// Ownership: borrowed by the call; must outlive it (until `done` has run).
//
// Example:
//   class Spans final : public RetryObserver {
//     void Retrying(const FailedAttempt& failed, Traceparent& next) override;
//   };
//   request.retry_observer = &spans;
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "gateway/upstream/channel.h"

namespace protogate::upstream {

// An attempt that failed and is retried.
struct FailedAttempt {
  absl::StatusCode code = absl::StatusCode::kUnavailable;
  int64_t end_unix_ns = 0;  // When its result came (absl::GetCurrentTimeNanos).
};

class RetryObserver {
 public:
  virtual ~RetryObserver() = default;
  // Runs once per retry, before it is sent. `traceparent` is what the retry
  // will carry (the failed attempt's unless rewritten here).
  virtual void Retrying(const FailedAttempt& failed,
                        Traceparent& traceparent) = 0;
};

}  // namespace protogate::upstream
