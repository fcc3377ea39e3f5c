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
#include "gateway/proxy/method_settings.h"
#include "gateway/upstream/retrying_channel.h"
#include "google/protobuf/descriptor.h"

namespace protogate::proxy {

// The effective retry options of `method` (nullopt: no retries), given the
// setting that selects it (may be null) and the defaults.
std::optional<upstream::RetryOptions> RetryOptionsFor(
    const google::protobuf::MethodDescriptor& method,
    const MethodSetting* setting, const std::optional<RetrySetting>& defaults,
    absl::Duration default_timeout);

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
