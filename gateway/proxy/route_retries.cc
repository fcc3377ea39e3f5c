#include "gateway/proxy/route_retries.h"

#include <utility>

#include "google/protobuf/descriptor.pb.h"

namespace protogate::proxy {
namespace {

using google::protobuf::MethodOptions;

constexpr RetrySetting kIdempotentDefault{
    .max_attempts = 2, .initial_backoff = absl::Milliseconds(100)};

bool IsIdempotent(const google::protobuf::MethodDescriptor& method) {
  const auto level = method.options().idempotency_level();
  return level == MethodOptions::NO_SIDE_EFFECTS ||
         level == MethodOptions::IDEMPOTENT;
}

}  // namespace

std::optional<upstream::RetryOptions> RetryOptionsFor(
    const google::protobuf::MethodDescriptor& method,
    const MethodSetting* setting, const std::optional<RetrySetting>& defaults,
    absl::Duration default_timeout) {
  const bool idempotent = IsIdempotent(method);
  std::optional<RetrySetting> policy =
      setting != nullptr && setting->retries ? setting->retries : defaults;
  if (!policy) {
    if (!idempotent) return std::nullopt;
    policy = kIdempotentDefault;
  }
  if (policy->max_attempts <= 1 || (policy->idempotent_only && !idempotent)) {
    return std::nullopt;
  }
  return upstream::RetryOptions{.max_attempts = policy->max_attempts,
                                .initial_backoff = policy->initial_backoff,
                                .default_timeout = default_timeout};
}

RouteRetries::~RouteRetries() {
  channels_.clear();  // Before the timers they use.
}

upstream::Channel* RouteRetries::Wrap(
    upstream::Channel* channel,
    const std::optional<upstream::RetryOptions>& options) {
  if (channel == nullptr || !options) return channel;
  auto key =
      std::make_tuple(channel, options->max_attempts,
                      absl::ToInt64Nanoseconds(options->initial_backoff));
  std::unique_ptr<upstream::RetryingChannel>& wrapped = channels_[key];
  if (wrapped == nullptr) {
    if (timers_ == nullptr) timers_ = std::make_unique<upstream::TimerQueue>();
    std::shared_ptr<upstream::RetryBudget>& budget = budgets_[channel];
    if (budget == nullptr) {
      budget = std::make_shared<upstream::RetryBudget>(budget_);
    }
    wrapped = std::make_unique<upstream::RetryingChannel>(*channel, *timers_,
                                                          budget, *options);
  }
  return wrapped.get();
}

}  // namespace protogate::proxy
