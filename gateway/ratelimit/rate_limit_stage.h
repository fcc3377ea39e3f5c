// RateLimitStage: the `rate_limits` policies as a pipeline stage (stage 4,
// after auth, so keys may use the verified identity).
//
// Built once per snapshot: each route gets the list of policies whose
// selector names its method, split into local ones (LocalGcraTable, decided
// inline) and shared ones (one EVALSHA round trip to Redis per policy, all
// in flight at once). Requests that matched no route are not limited.
//
// Per request, local policies decide first (a local rejection costs no
// Redis call), then the shared ones. Then:
//   - some policy rejected: 429 RESOURCE_EXHAUSTED `rate limit "NAME"
//     exceeded` with Retry-After (seconds, rounded up) from the rejecting
//     policy that frees up last;
//   - Redis failed or timed out for a shared policy and on_error is deny:
//     503 UNAVAILABLE `rate limit "NAME" cannot be checked`;
//   - otherwise pass.
// Exchange::outcomes() names the policy that applied and its result
// (exchange.h). Every answer of a limited route carries RateLimit-Limit (the
// burst), RateLimit-Remaining and RateLimit-Reset (seconds until the bucket is
// full) of the most restrictive policy (the fewest remaining); a shared policy
// whose Redis call failed adds none.
//
// ApplyAsync's callback runs on the I/O thread that called it (the Redis
// client's connection of that thread answers there), or on the Redis
// client's own thread when the caller is not an I/O thread (tests).
//
// Thread safety: immutable after Create; Apply/ApplyAsync run concurrently.
// Ownership: the environment (tables, Redis clients) outlives the stage.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto stage,
//                       RateLimitStage::Create(config, routes, env));
//   if (stage != nullptr) stages.push_back(std::move(stage));
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/policy/stage.h"
#include "gateway/ratelimit/gcra.h"
#include "gateway/ratelimit/local_gcra_table.h"
#include "gateway/ratelimit/rate_key.h"
#include "gateway/ratelimit/rate_limit_environment.h"
#include "gateway/routing/route_table.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::ratelimit {

class RateLimitStage final : public policy::Stage {
 public:
  // nullptr when no policy is configured. FailedPrecondition naming the
  // config path for what the validator would refuse.
  static absl::StatusOr<std::unique_ptr<const policy::Stage>> Create(
      const config::v1::GatewayConfig& config,
      const routing::RouteTable& routes, RateLimitEnvironment& environment);

  std::string_view name() const override { return "rate_limit"; }
  policy::Verdict Apply(policy::Exchange& exchange) const override;
  bool asynchronous() const override { return redis_ != nullptr; }
  void ApplyAsync(policy::Exchange& exchange,
                  policy::VerdictCallback done) const override;

  // One configured policy, resolved. Public for the .cc's helpers.
  struct Policy {
    std::string name;
    RateKey key;
    GcraRate rate;
    std::string burst_text;                 // RateLimit-Limit's value.
    std::shared_ptr<LocalGcraTable> table;  // Null for shared policies.
    std::string redis_prefix;  // "protogate:rl:NAME:", shared only.
    // ARGV of the script (interval and limit in us), shared only.
    RedisScriptClient::Arguments redis_arguments;
  };
  struct RoutePolicies {
    std::vector<const Policy*> local;
    std::vector<const Policy*> shared;
    std::string route_key;  // For `key: route`.
  };
  enum class OnError { kAllow, kDeny };

 private:
  RateLimitStage() = default;

  std::vector<std::unique_ptr<Policy>> policies_;
  std::vector<RoutePolicies> routes_;   // By route index.
  RedisScriptClient* redis_ = nullptr;  // Set when some policy is shared.
  OnError on_error_ = OnError::kAllow;
};

}  // namespace protogate::ratelimit
