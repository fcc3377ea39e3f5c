#include "gateway/ratelimit/rate_limit_stage.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/base/io_thread.h"
#include "gateway/base/thread_block_cache.h"

namespace protogate::ratelimit {
namespace {

using Policy = RateLimitStage::Policy;
using ::protogate::policy::Exchange;
using ::protogate::policy::Verdict;

constexpr absl::Duration kDefaultTimeout = absl::Milliseconds(50);
constexpr uint32_t kDefaultMaxKeys = 65536;

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

// Whether `selector` (empty, a package, a service or a method) names
// `method`.
bool Selects(const std::string& selector, const std::string& method) {
  if (selector.empty() || selector == method) return true;
  return method.size() > selector.size() &&
         absl::StartsWith(method, selector) && method[selector.size()] == '.';
}

// The decisions of one request, folded as they come.
class Tally {
 public:
  void Add(const Policy& policy, const GcraDecision& d) {
    if (!d.allowed && (rejected_ == nullptr ||
                       d.retry_after_ns > rejection_.retry_after_ns)) {
      rejected_ = &policy;
      rejection_ = d;
    }
    if (tightest_ == nullptr || d.remaining < tightest_d_.remaining ||
        (d.remaining == tightest_d_.remaining &&
         d.reset_ns > tightest_d_.reset_ns)) {
      tightest_ = &policy;
      tightest_d_ = d;
    }
  }
  void AddFailure(const Policy& policy) {
    if (failed_ == nullptr) failed_ = &policy;
  }
  bool rejected() const { return rejected_ != nullptr; }

  Verdict Finish(Exchange& exchange, RateLimitStage::OnError on_error) const {
    const Policy* shown = rejected_ != nullptr ? rejected_ : tightest_;
    const GcraDecision& d = rejected_ != nullptr ? rejection_ : tightest_d_;
    if (shown != nullptr) {
      // Constant names (no copy, checked at compile time), numbers without
      // a StrCat buffer (short enough for std::string's inline storage).
      using http::ConstantHeaderName;
      auto& headers = exchange.response_headers();
      headers.reserve(headers.size() + 3);
      headers.emplace_back(ConstantHeaderName("RateLimit-Limit"),
                           shown->burst_text);
      headers.emplace_back(ConstantHeaderName("RateLimit-Remaining"),
                           absl::AlphaNum(d.remaining).Piece());
      headers.emplace_back(ConstantHeaderName("RateLimit-Reset"),
                           absl::AlphaNum(CeilSeconds(d.reset_ns)).Piece());
    }
    policy::StageOutcomes& outcomes = exchange.outcomes();
    if (rejected_ != nullptr) {
      outcomes.rate_limit_policy = rejected_->name;
      outcomes.rate_limit_result = "rejected";
      Verdict v = Verdict::Answer(
          429, absl::StatusCode::kResourceExhausted,
          absl::StrCat("rate limit \"", rejected_->name, "\" exceeded"));
      v.response.headers.emplace_back(
          http::ConstantHeaderName("Retry-After"),
          absl::StrCat(CeilSeconds(rejection_.retry_after_ns)));
      return v;
    }
    if (failed_ != nullptr && on_error == RateLimitStage::OnError::kDeny) {
      outcomes.rate_limit_policy = failed_->name;
      outcomes.rate_limit_result = "store_error_denied";
      return Verdict::Answer(
          503, absl::StatusCode::kUnavailable,
          absl::StrCat("rate limit \"", failed_->name, "\" cannot be checked"));
    }
    if (failed_ != nullptr) {
      outcomes.rate_limit_policy = failed_->name;
      outcomes.rate_limit_result = "store_error_allowed";
    } else if (shown != nullptr) {
      outcomes.rate_limit_policy = shown->name;
      outcomes.rate_limit_result = "allowed";
    }
    return Verdict::Pass();
  }

 private:
  const Policy* rejected_ = nullptr;
  GcraDecision rejection_;
  const Policy* tightest_ = nullptr;
  GcraDecision tightest_d_;
  const Policy* failed_ = nullptr;
};

std::string KeyOf(const Policy& policy, const RateLimitStage::RoutePolicies& rp,
                  const Exchange& exchange) {
  if (policy.key.source() == RateKey::Source::kRoute) return rp.route_key;
  return policy.key.Extract(exchange);
}

// Decides the local policies; stops at the first rejection.
void DecideLocal(const RateLimitStage::RoutePolicies& rp, Exchange& exchange,
                 Tally& tally) {
  for (const Policy* policy : rp.local) {
    tally.Add(*policy, policy->table->Decide(KeyOf(*policy, rp, exchange)));
    if (tally.rejected()) return;
  }
}

// The shared policies' replies of one request; the last one answers, on
// the I/O thread the request came from (where the Redis client answers
// already; a post otherwise), so the upstream call starts there. Made with
// new (from a per-thread free list); the last Add() deletes it (each reply
// callback runs exactly once). With one shared policy nothing else touches
// it: no lock.
struct SharedJoin {
  SharedJoin(Exchange& e, Tally t, size_t n, RateLimitStage::OnError o,
             policy::VerdictCallback d)
      : exchange(e),
        tally(std::move(t)),
        pending(n),
        single(n == 1),
        on_error(o),
        done(std::move(d)),
        origin(base::CurrentIoThread()) {}

  static void* operator new(size_t size) {
    return base::ThreadBlockCache<SharedJoin>::Allocate(size);
  }
  static void operator delete(void* block) {
    base::ThreadBlockCache<SharedJoin>::Free(block);
  }

  void Add(const Policy& policy, const RedisScriptClient::Reply& reply) {
    if (single) {
      Record(policy, reply);
    } else {
      absl::MutexLock lock(&mu);
      Record(policy, reply);
      if (--pending > 0) return;
    }
    std::unique_ptr<SharedJoin> last(this);
    Verdict verdict = tally.Finish(exchange, on_error);
    if (origin.ioc == nullptr || origin.ioc == base::CurrentIoThread().ioc) {
      std::move(done)(std::move(verdict));
      return;
    }
    boost::asio::post(*origin.ioc,
                      [done = std::move(done), verdict = std::move(verdict),
                       owner = origin.owner]() mutable {
                        std::move(done)(std::move(verdict));
                      });
  }

  // The script's answer (rate_limit_environment.cc): allowed, the TAT
  // after this request; rejected, -1 - the TAT; both in us from Redis' now.
  void Record(const Policy& policy, const RedisScriptClient::Reply& reply) {
    if (reply.ok()) {
      const bool allowed = *reply > 0;
      const int64_t tat_us = allowed ? *reply : -1 - *reply;
      tally.Add(policy, DecisionAt(policy.rate, allowed, tat_us * 1000, 0));
    } else {
      tally.AddFailure(policy);
    }
  }

  Exchange& exchange;
  absl::Mutex mu;
  Tally tally;
  size_t pending;     // Guarded by mu unless single.
  const bool single;  // One shared policy: one Add().
  const RateLimitStage::OnError on_error;
  policy::VerdictCallback done;
  const base::IoThread origin;
};

absl::StatusOr<std::unique_ptr<Policy>> MakePolicy(
    const config::v1::RateLimitPolicy& config, int index, int trusted_hops,
    RateLimitEnvironment& environment) {
  auto policy = std::make_unique<Policy>();
  policy->name = config.name();
  absl::StatusOr<RateKey> key = RateKey::Parse(config.key(), trusted_hops);
  if (!key.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "rate_limits.policies[", index, "].key: ", key.status().message()));
  }
  policy->key = *std::move(key);
  if (config.requests() == 0 ||
      ToDuration(config.per()) <= absl::ZeroDuration()) {
    return absl::FailedPreconditionError(
        absl::StrCat("rate_limits.policies[", index,
                     "]: requests and per must be positive"));
  }
  const uint64_t burst =
      config.burst() != 0 ? config.burst() : config.requests();
  policy->rate =
      GcraRate::Of(config.requests(), ToDuration(config.per()), burst);
  policy->burst_text = absl::StrCat(policy->rate.burst);
  if (config.shared()) {
    policy->redis_prefix = absl::StrCat("protogate:rl:", config.name(), ":");
    policy->redis_arguments = RedisScriptClient::Arguments::Of(
        {absl::StrCat(std::max<int64_t>(1, policy->rate.interval_ns / 1000)),
         absl::StrCat(policy->rate.limit_ns / 1000)});
  } else {
    policy->table = environment.LocalTable(
        config.name(), policy->rate,
        config.max_keys() != 0 ? config.max_keys() : kDefaultMaxKeys);
  }
  return policy;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const policy::Stage>> RateLimitStage::Create(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    RateLimitEnvironment& environment) {
  const config::v1::RateLimits& limits = config.rate_limits();
  if (limits.policies().empty()) return nullptr;
  std::unique_ptr<RateLimitStage> stage(new RateLimitStage());
  bool shared = false;
  for (int i = 0; i < limits.policies_size(); ++i) {
    absl::StatusOr<std::unique_ptr<Policy>> policy = MakePolicy(
        limits.policies(i), i,
        static_cast<int>(limits.client_ip().trusted_hops()), environment);
    if (!policy.ok()) return policy.status();
    shared = shared || limits.policies(i).shared();
    stage->policies_.push_back(*std::move(policy));
  }
  if (shared) {
    const config::v1::RedisConfig& redis = limits.redis();
    stage->on_error_ =
        redis.on_error() == "deny" ? OnError::kDeny : OnError::kAllow;
    absl::StatusOr<RedisScriptClient*> client = environment.Redis(
        redis.address(),
        redis.has_timeout() ? ToDuration(redis.timeout()) : kDefaultTimeout,
        redis.on_error().empty() ? "allow" : redis.on_error());
    if (!client.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rate_limits.redis.address: ", client.status().message()));
    }
    stage->redis_ = *client;
  }
  stage->routes_.resize(routes.routes().size());
  for (size_t r = 0; r < routes.routes().size(); ++r) {
    const routing::Route& route = routes.routes()[r];
    RoutePolicies& rp = stage->routes_[r];
    rp.route_key = absl::StrCat(route.method->full_name(), " ",
                                route.http_method, " ", route.path.text());
    for (int i = 0; i < limits.policies_size(); ++i) {
      if (!Selects(limits.policies(i).selector(), route.method->full_name())) {
        continue;
      }
      const Policy* policy = stage->policies_[i].get();
      (policy->table != nullptr ? rp.local : rp.shared).push_back(policy);
    }
  }
  return std::unique_ptr<const policy::Stage>(std::move(stage));
}

Verdict RateLimitStage::Apply(Exchange& exchange) const {
  if (exchange.route() == nullptr) return Verdict::Pass();
  const RoutePolicies& rp = routes_[exchange.route_index()];
  if (rp.local.empty()) return Verdict::Pass();
  Tally tally;
  DecideLocal(rp, exchange, tally);
  return tally.Finish(exchange, on_error_);
}

void RateLimitStage::ApplyAsync(Exchange& exchange,
                                policy::VerdictCallback done) const {
  if (exchange.route() == nullptr) {
    std::move(done)(Verdict::Pass());
    return;
  }
  const RoutePolicies& rp = routes_[exchange.route_index()];
  Tally tally;
  DecideLocal(rp, exchange, tally);
  if (tally.rejected() || rp.shared.empty()) {
    std::move(done)(tally.Finish(exchange, on_error_));
    return;
  }
  auto* join = new SharedJoin(exchange, std::move(tally), rp.shared.size(),
                              on_error_, std::move(done));
  // The Redis key; the client copies it.
  thread_local std::string key;
  for (const Policy* policy : rp.shared) {
    key.assign(policy->redis_prefix);
    if (policy->key.source() == RateKey::Source::kRoute) {
      key.append(rp.route_key);
    } else {
      key.append(policy->key.Extract(exchange));
    }
    // Two pointers: the callback is stored inline, without an allocation.
    redis_->Run(key, policy->redis_arguments,
                [join, policy](RedisScriptClient::Reply reply) {
                  join->Add(*policy, reply);
                });
  }
}

}  // namespace protogate::ratelimit
