// RateLimitStage with local policies, on exchanges built as the proxy
// builds them, with a fake clock.
#include "gateway/ratelimit/rate_limit_stage.h"

#include <string>

#include "gateway/config/config_loader.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/fake_clock.h"
#include "tests/testing/routed_request.h"

namespace protogate::ratelimit {
namespace {

using ::protogate::testing::HeaderOf;
using ::protogate::testing::RoutedRequest;
using Kind = policy::Verdict::Kind;

config::v1::GatewayConfig Config(const std::string& yaml) {
  auto config = config::ParseConfigText(yaml, "t.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.value_or(config::v1::GatewayConfig());
}

constexpr char kTwoPolicies[] = R"(
rate_limits:
  policies:
    - {name: per-ip, key: client_ip, requests: 2, per: 60s}
    - {name: shelf, selector: demo.bookstore.v1.Bookstore.GetShelf,
       requests: 100, per: 1s, burst: 5}
)";

class RateLimitStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_ = testing::BookstoreRoutes();
    ASSERT_NE(routes_, nullptr);
    auto stage = RateLimitStage::Create(Config(kTwoPolicies), *routes_, env_);
    ASSERT_TRUE(stage.ok()) << stage.status();
    stage_ = *std::move(stage);
    ASSERT_NE(stage_, nullptr);
  }

  FakeClock clock_;
  RateLimitEnvironment env_{&clock_};
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<const policy::Stage> stage_;
};

TEST_F(RateLimitStageTest, OverTheLimitIs429NamingThePolicyWithRetryAfter) {
  for (int i = 0; i < 2; ++i) {
    RoutedRequest r(*routes_, "GET", "/v1/shelves");
    EXPECT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass);
  }
  RoutedRequest r(*routes_, "GET", "/v1/shelves");
  policy::Verdict v = stage_->Apply(r.exchange());
  ASSERT_EQ(v.kind, Kind::kAnswer);
  EXPECT_EQ(v.response.status, 429);
  EXPECT_NE(v.response.body.find("\"code\":8"), std::string::npos)
      << v.response.body;
  EXPECT_NE(v.response.body.find("rate limit \\\"per-ip\\\" exceeded"),
            std::string::npos)
      << v.response.body;
  EXPECT_EQ(HeaderOf(v.response, "Retry-After"), "30");
  EXPECT_EQ(r.ResponseHeader("RateLimit-Limit"), "2");
  EXPECT_EQ(r.ResponseHeader("RateLimit-Remaining"), "0");
  EXPECT_EQ(r.ResponseHeader("RateLimit-Reset"), "60");
  EXPECT_EQ(r.exchange().outcomes().rate_limit_policy, "per-ip");
  EXPECT_EQ(r.exchange().outcomes().rate_limit_result, "rejected");
  // Another client has its own bucket.
  RoutedRequest other(*routes_, "GET", "/v1/shelves", {}, "10.0.0.2:1");
  EXPECT_EQ(stage_->Apply(other.exchange()).kind, Kind::kPass);
}

TEST_F(RateLimitStageTest, TheMostRestrictivePolicyGivesTheHeaders) {
  RoutedRequest r(*routes_, "GET", "/v1/shelves/1");
  ASSERT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass);
  // per-ip: 1 of 2 left; shelf: 4 of 5 left.
  EXPECT_EQ(r.ResponseHeader("RateLimit-Limit"), "2");
  EXPECT_EQ(r.ResponseHeader("RateLimit-Remaining"), "1");
  EXPECT_EQ(r.ResponseHeader("RateLimit-Reset"), "30");
  EXPECT_EQ(r.exchange().outcomes().rate_limit_policy, "per-ip");
  EXPECT_EQ(r.exchange().outcomes().rate_limit_result, "allowed");
}

TEST_F(RateLimitStageTest, SelectorLimitsOnlyItsMethods) {
  // GetShelf: 5 at once from different clients (per-ip never binds).
  for (int i = 0; i < 5; ++i) {
    RoutedRequest r(*routes_, "GET", "/v1/shelves/1", {},
                    "10.0.1." + std::to_string(i) + ":1");
    ASSERT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass) << i;
  }
  RoutedRequest sixth(*routes_, "GET", "/v1/shelves/1", {}, "10.0.2.1:1");
  policy::Verdict v = stage_->Apply(sixth.exchange());
  ASSERT_EQ(v.kind, Kind::kAnswer);
  EXPECT_EQ(sixth.exchange().outcomes().rate_limit_policy, "shelf");
  // ListShelves is not GetShelf: not limited by "shelf".
  RoutedRequest list(*routes_, "GET", "/v1/shelves", {}, "10.0.2.1:1");
  EXPECT_EQ(stage_->Apply(list.exchange()).kind, Kind::kPass);
  EXPECT_EQ(list.ResponseHeader("RateLimit-Limit"), "2");
}

TEST_F(RateLimitStageTest, UnmatchedRequestsAreNotLimited) {
  for (int i = 0; i < 5; ++i) {
    RoutedRequest r(*routes_, "GET", "/nowhere");
    ASSERT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass);
    EXPECT_TRUE(r.exchange().response_headers().empty());
  }
}

TEST_F(RateLimitStageTest, AReloadKeepsTheBucketsOfUnchangedPolicies) {
  for (int i = 0; i < 2; ++i) {
    RoutedRequest r(*routes_, "GET", "/v1/shelves");
    ASSERT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass);
  }
  auto reloaded = RateLimitStage::Create(Config(kTwoPolicies), *routes_, env_);
  ASSERT_TRUE(reloaded.ok());
  RoutedRequest r(*routes_, "GET", "/v1/shelves");
  EXPECT_EQ((*reloaded)->Apply(r.exchange()).kind, Kind::kAnswer);
  // A changed rate is a new policy with fresh buckets.
  auto changed = RateLimitStage::Create(
      Config("rate_limits: {policies: [{name: per-ip, key: client_ip, "
             "requests: 3, per: 60s}]}"),
      *routes_, env_);
  ASSERT_TRUE(changed.ok());
  RoutedRequest again(*routes_, "GET", "/v1/shelves");
  EXPECT_EQ((*changed)->Apply(again.exchange()).kind, Kind::kPass);
}

TEST_F(RateLimitStageTest, LocalPoliciesAreSynchronousAndAbsentCostsNothing) {
  EXPECT_FALSE(stage_->asynchronous());
  auto none =
      RateLimitStage::Create(Config("listen: 127.0.0.1:0"), *routes_, env_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
}

TEST_F(RateLimitStageTest, JwtClaimKeysUseTheIdentityAndTheEmptyKeyWithout) {
  auto stage = RateLimitStage::Create(
      Config("rate_limits: {policies: [{name: user, key: \"jwt_claim:sub\", "
             "requests: 1, per: 60s}]}"),
      *routes_, env_);
  ASSERT_TRUE(stage.ok());
  auto as = [&](const std::string& sub) {
    RoutedRequest r(*routes_, "GET", "/v1/shelves");
    if (!sub.empty()) {
      r.exchange().identity().kind = policy::Identity::Kind::kJwt;
      r.exchange().identity().claims = {{"sub", sub}};
    }
    return (*stage)->Apply(r.exchange()).kind;
  };
  EXPECT_EQ(as("alice"), Kind::kPass);
  EXPECT_EQ(as("alice"), Kind::kAnswer);
  EXPECT_EQ(as("bob"), Kind::kPass);
  EXPECT_EQ(as(""), Kind::kPass);  // The "" bucket, shared by all without.
  EXPECT_EQ(as(""), Kind::kAnswer);
}

}  // namespace
}  // namespace protogate::ratelimit
