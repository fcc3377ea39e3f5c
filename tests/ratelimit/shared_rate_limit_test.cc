// Shared rate limits through a real redis-server: three stage instances,
// each with its own environment and Redis connection (as three gateways
// would have), hold one limit; a Redis outage follows on_error within the
// timeout; a restart recovers.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/config/config_loader.h"
#include "gateway/ratelimit/rate_limit_stage.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/redis_server.h"
#include "tests/testing/routed_request.h"

namespace protogate::ratelimit {
namespace {

using ::protogate::testing::RoutedRequest;
using Kind = policy::Verdict::Kind;

constexpr absl::Duration kTimeout = absl::Milliseconds(200);
constexpr absl::Duration kSlack = absl::Milliseconds(300);

struct Outcome {
  policy::Verdict verdict;
  std::string limit_header;
  absl::Duration waited;
};

class SharedRateLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_ = testing::BookstoreRoutes();
    ASSERT_NE(routes_, nullptr);
    ASSERT_TRUE(redis_.Start().ok());
  }

  std::unique_ptr<const policy::Stage> MakeStage(RateLimitEnvironment& env,
                                                 const std::string& policy,
                                                 const std::string& on_error) {
    const std::string yaml =
        absl::StrCat("rate_limits:\n  redis: {address: \"", redis_.address(),
                     "\", timeout: 0.2s, on_error: ", on_error,
                     "}\n  policies: [", policy, "]\n");
    auto config = config::ParseConfigText(yaml, "t.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    auto stage = RateLimitStage::Create(*config, *routes_, env);
    EXPECT_TRUE(stage.ok()) << stage.status();
    return stage.ok() ? *std::move(stage) : nullptr;
  }

  Outcome Call(const policy::Stage& stage, const std::string& peer) {
    RoutedRequest r(*routes_, "GET", "/v1/shelves", {}, peer);
    Outcome outcome;
    absl::Notification done;
    const absl::Time start = absl::Now();
    stage.ApplyAsync(r.exchange(), [&](policy::Verdict v) {
      outcome.verdict = std::move(v);
      outcome.waited = absl::Now() - start;
      done.Notify();
    });
    done.WaitForNotification();
    outcome.limit_header = r.ResponseHeader("RateLimit-Limit");
    return outcome;
  }

  // Calls until one gets the RateLimit headers from Redis (10 s at most).
  bool Recovers(const policy::Stage& stage) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (!Call(stage, "10.9.9.9:1").limit_header.empty()) return true;
    }
    return false;
  }

  testing::RedisServer redis_;
  std::unique_ptr<routing::RouteTable> routes_;
};

TEST_F(SharedRateLimitTest, ThreeInstancesHoldOneLimitWithinFivePercent) {
  constexpr int kRate = 200;  // Per second.
  constexpr int kBurst = 20;
  const std::string policy =
      absl::StrCat("{name: all, key: client_ip, requests: ", kRate,
                   ", per: 1s, burst: ", kBurst, ", shared: true}");
  std::vector<std::unique_ptr<RateLimitEnvironment>> envs;
  std::vector<std::unique_ptr<const policy::Stage>> stages;
  for (int i = 0; i < 3; ++i) {
    envs.push_back(std::make_unique<RateLimitEnvironment>());
    stages.push_back(MakeStage(*envs.back(), policy, "deny"));
    ASSERT_NE(stages.back(), nullptr);
    ASSERT_TRUE(stages.back()->asynchronous());
    // Connected (as client 10.9.9.9, whose bucket the run does not use).
    ASSERT_TRUE(Recovers(*stages.back()));
  }
  std::atomic<int> passed{0}, rejected{0}, failed{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      while (absl::Now() < end) {
        Outcome o = Call(*stages[i], "10.0.0.1:1");
        if (o.verdict.kind == Kind::kPass) {
          passed.fetch_add(1);
        } else if (o.verdict.response.status == 429) {
          rejected.fetch_add(1);
        } else {
          failed.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double expected = kBurst + kRate * seconds;
  std::printf("3 instances: %d passed (expected %.1f), %d rejected in %.3f s\n",
              passed.load(), expected, rejected.load(), seconds);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(rejected.load(), 0) << "the load did not reach the limit";
  EXPECT_NEAR(passed.load(), expected, expected * 0.05)
      << "passed " << passed << " rejected " << rejected << " in " << seconds
      << " s";
}

TEST_F(SharedRateLimitTest, OutageFollowsOnErrorAllowWithinTheTimeout) {
  RateLimitEnvironment env;
  auto stage = MakeStage(
      env, "{name: ip, key: client_ip, requests: 1000, per: 1s, shared: true}",
      "allow");
  ASSERT_NE(stage, nullptr);
  ASSERT_TRUE(Recovers(*stage));
  redis_.Kill();
  for (int i = 0; i < 30; ++i) {
    Outcome o = Call(*stage, "10.0.0.1:1");
    EXPECT_EQ(o.verdict.kind, Kind::kPass);
    EXPECT_EQ(o.limit_header, "");  // No decision, no headers.
    EXPECT_LE(o.waited, kTimeout + kSlack);
  }
  ASSERT_TRUE(redis_.Start().ok());
  EXPECT_TRUE(Recovers(*stage));
}

TEST_F(SharedRateLimitTest, OutageFollowsOnErrorDenyWithinTheTimeout) {
  RateLimitEnvironment env;
  auto stage = MakeStage(
      env, "{name: ip, key: client_ip, requests: 1000, per: 1s, shared: true}",
      "deny");
  ASSERT_NE(stage, nullptr);
  ASSERT_TRUE(Recovers(*stage));
  redis_.Pause();  // Slower than the timeout.
  Outcome o = Call(*stage, "10.0.0.1:1");
  ASSERT_EQ(o.verdict.kind, Kind::kAnswer);
  EXPECT_EQ(o.verdict.response.status, 503);
  EXPECT_NE(o.verdict.response.body.find("rate limit \\\"ip\\\" cannot be "
                                         "checked"),
            std::string::npos);
  EXPECT_LE(o.waited, kTimeout + kSlack);
  redis_.Kill();
  o = Call(*stage, "10.0.0.1:1");
  EXPECT_EQ(o.verdict.response.status, 503);
  EXPECT_LE(o.waited, kTimeout + kSlack);
  ASSERT_TRUE(redis_.Start().ok());
  EXPECT_TRUE(Recovers(*stage));
}

TEST_F(SharedRateLimitTest, SharedRejectionIs429WithRetryAfter) {
  RateLimitEnvironment env;
  auto stage = MakeStage(
      env, "{name: slow, requests: 1, per: 60s, burst: 1, shared: true}",
      "deny");
  ASSERT_NE(stage, nullptr);
  ASSERT_TRUE(Recovers(*stage));  // Takes the one request.
  Outcome o = Call(*stage, "10.0.0.1:1");
  ASSERT_EQ(o.verdict.kind, Kind::kAnswer);
  EXPECT_EQ(o.verdict.response.status, 429);
  const std::string retry =
      testing::HeaderOf(o.verdict.response, "Retry-After");
  EXPECT_TRUE(retry == "60" || retry == "59") << retry;
  EXPECT_EQ(o.limit_header, "1");
}

}  // namespace
}  // namespace protogate::ratelimit
