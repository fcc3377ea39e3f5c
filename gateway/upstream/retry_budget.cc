#include "gateway/upstream/retry_budget.h"

#include <algorithm>

namespace protogate::upstream {

RetryBudget::RetryBudget(RetryBudgetOptions options, absl::Time now)
    : options_(options), tokens_(options.max_tokens), refilled_(now) {}

void RetryBudget::Refill(absl::Time now) {
  if (now <= refilled_) return;
  tokens_ = std::min(options_.max_tokens,
                     tokens_ + options_.min_per_second *
                                   absl::ToDoubleSeconds(now - refilled_));
  refilled_ = now;
}

void RetryBudget::OnRequest(absl::Time now) {
  absl::MutexLock lock(&mu_);
  Refill(now);
  tokens_ = std::min(options_.max_tokens, tokens_ + options_.ratio);
}

bool RetryBudget::TryRetry(absl::Time now) {
  absl::MutexLock lock(&mu_);
  Refill(now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace protogate::upstream
