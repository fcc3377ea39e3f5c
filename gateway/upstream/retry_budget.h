// RetryBudget: bounds how many retries the calls to one backend may add, so
// that retries cannot multiply the load on a backend that is down.
//
// A token bucket: every first attempt deposits `ratio` tokens, the bucket
// also refills by `min_per_second` tokens per second, and it holds at most
// `max_tokens` (it starts full). A retry takes one token; without a whole
// token it is not made. Over any period, retries are thus at most
// ratio x requests + min_per_second x seconds + max_tokens. The defaults
// (20%, 1/s, 10) let a healthy backend's occasional UNAVAILABLE be retried
// while a dead one sees at most ~20% more calls than clients make.
//
// Thread safety: all methods may be called concurrently.
// Ownership: shared by the RetryingChannels of one backend (per snapshot).
//
// Example:
//   auto budget = std::make_shared<RetryBudget>(RetryBudgetOptions{});
//   budget->OnRequest();
//   if (budget->TryRetry()) { ... }
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace protogate::upstream {

struct RetryBudgetOptions {
  double ratio = 0.2;           // Tokens per first attempt, >= 0.
  double min_per_second = 1.0;  // Tokens per second, >= 0.
  double max_tokens = 10.0;     // Bucket size, >= 1.
};

class RetryBudget {
 public:
  explicit RetryBudget(RetryBudgetOptions options,
                       absl::Time now = absl::Now());

  // A first attempt was made: deposits `ratio` tokens.
  void OnRequest(absl::Time now = absl::Now());
  // Takes a token for a retry; false (and takes nothing) without one.
  bool TryRetry(absl::Time now = absl::Now());

 private:
  void Refill(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RetryBudgetOptions options_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time refilled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::upstream
