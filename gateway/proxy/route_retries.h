// RouteRetries: decides which methods' direct calls are retried and wraps
// their backend channels in upstream::RetryingChannels, one per backend and
// policy, sharing one RetryBudget per backend and one TimerQueue (started
// only when some method retries). Plan steps are not wrapped: the executor
// retries them by their own `max_retries`.
//
// Which policy a method gets (its direct calls only):
//   - the retries of its longest-selector `methods` entry, else of
//     `method_defaults`; with idempotent_only, none unless the method is
//     idempotent by its descriptor (idempotency_level NO_SIDE_EFFECTS or
//     IDEMPOTENT);
//   - with no policy anywhere: an idempotent method gets
//     {max_attempts: 2, initial_backoff: 0.1s}, any other method none.
//   max_attempts 1 means no retries.
//
// Thread safety: Wrap() is for snapshot building (one thread); the returned
// channels are used concurrently.
// Ownership: owned by the Snapshot; must be destroyed before the channels it
// wraps. Wrapped channels live as long as the RouteRetries.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "gateway/upstream/retrying_channel.h"
#include "google/protobuf/descriptor.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::proxy {

// The effective retry options of `method` (nullopt: no retries), given the
// retry policy that applies to it (config `methods[].retries`, else
// `method_defaults.retries`; null when neither sets one: then methods
// idempotent by their descriptor get {max_attempts: 2, initial_backoff:
// 0.1s}).
std::optional<upstream::RetryOptions> RetryOptionsFor(
    const google::protobuf::MethodDescriptor& method,
    const config::v1::RetryPolicy* policy, absl::Duration default_timeout);

// The retry policy of a method whose longest-selector `methods` entry is
// `setting` (may be null): that entry's, else method_defaults', else null.
const config::v1::RetryPolicy* RetryPolicyFor(
    const config::v1::GatewayConfig& config,
    const config::v1::MethodSettings* setting);

// The config's `retry_budget`, with upstream::RetryBudgetOptions' defaults
// for what it leaves unset (0).
upstream::RetryBudgetOptions RetryBudgetFrom(const config::v1::RetryBudget& b);

class RouteRetries {
 public:
  explicit RouteRetries(upstream::RetryBudgetOptions budget)
      : budget_(budget) {}
  ~RouteRetries();

  // `channel` itself without options, else a RetryingChannel over it.
  upstream::Channel* Wrap(upstream::Channel* channel,
                          const std::optional<upstream::RetryOptions>& options);

 private:
  const upstream::RetryBudgetOptions budget_;
  std::unique_ptr<upstream::TimerQueue> timers_;
  absl::flat_hash_map<upstream::Channel*,
                      std::shared_ptr<upstream::RetryBudget>>
      budgets_;
  // By (backend, max_attempts, initial_backoff).
  std::map<std::tuple<upstream::Channel*, int, int64_t>,
           std::unique_ptr<upstream::RetryingChannel>>
      channels_;
};

}  // namespace protogate::proxy
