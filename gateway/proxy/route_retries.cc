#include "gateway/proxy/route_retries.h"

#include <utility>

#include "gateway/config/config_loader.h"
#include "google/protobuf/descriptor.pb.h"

namespace protogate::proxy {
namespace {

using google::protobuf::MethodOptions;

constexpr int kIdempotentDefaultAttempts = 2;
constexpr absl::Duration kDefaultInitialBackoff = absl::Milliseconds(100);

bool IsIdempotent(const google::protobuf::MethodDescriptor& method) {
  const auto level = method.options().idempotency_level();
  return level == MethodOptions::NO_SIDE_EFFECTS ||
         level == MethodOptions::IDEMPOTENT;
}

}  // namespace

std::optional<upstream::RetryOptions> RetryOptionsFor(
    const google::protobuf::MethodDescriptor& method,
    const config::v1::RetryPolicy* policy, absl::Duration default_timeout) {
  const bool idempotent = IsIdempotent(method);
  upstream::RetryOptions options{.max_attempts = kIdempotentDefaultAttempts,
                                 .initial_backoff = kDefaultInitialBackoff,
                                 .default_timeout = default_timeout};
  if (policy == nullptr) {
    if (!idempotent) return std::nullopt;
    return options;
  }
  if (policy->max_attempts() <= 1 ||
      (policy->idempotent_only() && !idempotent)) {
    return std::nullopt;
  }
  options.max_attempts = static_cast<int>(policy->max_attempts());
  if (policy->has_initial_backoff()) {
    options.initial_backoff = config::ToDuration(policy->initial_backoff());
  }
  return options;
}

const config::v1::RetryPolicy* RetryPolicyFor(
    const config::v1::GatewayConfig& config,
    const config::v1::MethodSettings* setting) {
  if (setting != nullptr && setting->has_retries()) return &setting->retries();
  if (config.method_defaults().has_retries()) {
    return &config.method_defaults().retries();
  }
  return nullptr;
}

upstream::RetryBudgetOptions RetryBudgetFrom(const config::v1::RetryBudget& b) {
  upstream::RetryBudgetOptions budget;
  if (b.ratio() != 0) budget.ratio = b.ratio();
  if (b.min_per_second() != 0) budget.min_per_second = b.min_per_second();
  if (b.max_tokens() != 0) budget.max_tokens = b.max_tokens();
  return budget;
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
