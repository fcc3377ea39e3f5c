// Rate limits through the real protogate binary and demo backend: the 429
// answer on the wire, nothing reaching the backend, and a shared policy in a
// real redis-server across an outage.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/redis_server.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/http_client.h"

namespace protogate::ratelimit {
namespace {

using ::protogate::testing::Fetch;
using ::protogate::testing::GatewayProcess;
using ::protogate::testing::HttpResponse;

int CountOf(const std::string& body, const std::string& needle) {
  int n = 0;
  for (size_t at = body.find(needle); at != std::string::npos;
       at = body.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

TEST(GatewayRateLimitTest, RejectedRequestsAre429AndNeverReachTheBackend) {
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start("rate_limits:\n  policies:\n"
                         "    - {name: create, selector: "
                         "demo.bookstore.v1.Bookstore.CreateShelf, key: "
                         "client_ip, requests: 1, per: 60s}\n")
                  .ok());
  const std::string body = R"({"theme":"rate-limited-theme"})";
  const std::vector<std::string> json = {"Content-Type: application/json"};
  auto first = Fetch(gateway.port(), "POST", "/v1/shelves", body, json);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->Header("RateLimit-Limit"), "1");
  EXPECT_EQ(first->Header("RateLimit-Remaining"), "0");
  EXPECT_EQ(first->Header("RateLimit-Reset"), "60");

  auto second = Fetch(gateway.port(), "POST", "/v1/shelves", body, json);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(second->Header("Retry-After"), "60");
  EXPECT_EQ(second->Header("RateLimit-Remaining"), "0");
  EXPECT_FALSE(second->Header("x-request-id").empty());
  EXPECT_EQ(second->body,
            R"({"code":8,"message":"rate limit \"create\" exceeded",)"
            R"("details":[]})");

  // The rejected call did not create a second shelf; listing is not limited.
  auto list = Fetch(gateway.port(), "GET", "/v1/shelves");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(CountOf(list->body, "rate-limited-theme"), 1) << list->body;
  EXPECT_EQ(list->Header("RateLimit-Limit"), "");
}

TEST(GatewayRateLimitTest, SharedPolicyInRedisFollowsOnErrorAndRecovers) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start(absl::StrCat(
                      "rate_limits:\n  redis: {address: \"", redis.address(),
                      "\", timeout: 0.1s, on_error: allow}\n  policies:\n"
                      "    - {name: shelf, selector: "
                      "demo.bookstore.v1.Bookstore.GetShelf, requests: 2, "
                      "per: 60s, shared: true}\n"))
                  .ok());
  auto get = [&] { return Fetch(gateway.port(), "GET", "/v1/shelves/1"); };
  for (int i = 0; i < 2; ++i) {
    auto r = get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200) << i << r->body;
    EXPECT_EQ(r->Header("RateLimit-Limit"), "2");
  }
  auto limited = get();
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->status, 429);

  redis.Kill();  // on_error: allow.
  for (int i = 0; i < 5; ++i) {
    auto r = get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->Header("RateLimit-Limit"), "");
  }
  ASSERT_TRUE(redis.Start().ok());  // Empty: the buckets start full.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  HttpResponse last;
  while (absl::Now() < deadline && last.Header("RateLimit-Limit").empty()) {
    auto r = get();
    ASSERT_TRUE(r.ok());
    last = *r;
  }
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(last.Header("RateLimit-Limit"), "2");
}

// A shared policy's config with `on_error` and a 0.2 s Redis timeout.
std::string SharedShelfPolicy(const testing::RedisServer& redis,
                              const std::string& on_error) {
  return absl::StrCat("rate_limits:\n  redis: {address: \"", redis.address(),
                      "\", timeout: 0.2s, on_error: ", on_error,
                      "}\n  policies:\n"
                      "    - {name: shelf, selector: "
                      "demo.bookstore.v1.Bookstore.GetShelf, requests: 1000, "
                      "per: 60s, shared: true}\n");
}

// GET /v1/shelves/1 until an answer carries the RateLimit headers (the
// gateway reached Redis), within 10 s.
bool WaitForRedis(const GatewayProcess& gateway) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    auto r = Fetch(gateway.port(), "GET", "/v1/shelves/1");
    if (r.ok() && !r->Header("RateLimit-Limit").empty()) return true;
  }
  return false;
}

// The value of the counter `name{labels}` on the gateway's /-/metrics (0
// while it has no such series), or -1 when the scrape fails.
double Counter(const GatewayProcess& gateway, const std::string& series) {
  auto scrape = Fetch(gateway.port(), "GET", "/-/metrics");
  if (!scrape.ok() || scrape->status != 200) return -1;
  const size_t at = scrape->body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::strtod(scrape->body.c_str() + at + series.size() + 2, nullptr);
}

constexpr char kDenied[] =
    "protogate_rate_limit_decisions_total{policy=\"shelf\",result=\"store_"
    "error_denied\"}";
constexpr char kAllowed[] =
    "protogate_rate_limit_decisions_total{policy=\"shelf\",result=\"store_"
    "error_allowed\"}";
constexpr char kUnavailable[] =
    "protogate_rate_limit_store_failures_total{reason=\"unavailable\"}";
constexpr char kTimeout[] =
    "protogate_rate_limit_store_failures_total{reason=\"timeout\"}";

// The slack a loaded test machine may add to the Redis timeout.
constexpr absl::Duration kSlack = absl::Milliseconds(300);

// Redis killed mid-run with on_error: deny: every request is refused with
// 503 naming the policy, none waits longer than the timeout, nothing
// reaches the backend's answer; the failures and decisions are counted.
TEST(GatewayRateLimitTest, RedisKilledWithOnErrorDenyRefusesWithinTheTimeout) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  GatewayProcess gateway;
  ASSERT_TRUE(gateway.Start(SharedShelfPolicy(redis, "deny")).ok());
  ASSERT_TRUE(WaitForRedis(gateway));
  const double denied = Counter(gateway, kDenied);
  const double failures = Counter(gateway, kUnavailable);
  redis.Kill();
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    auto r = Fetch(gateway.port(), "GET", "/v1/shelves/1");
    const absl::Duration took = absl::Now() - start;
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 503) << r->body;
    EXPECT_EQ(r->body,
              R"({"code":14,"message":"rate limit \"shelf\" cannot be )"
              R"(checked","details":[]})");
    EXPECT_LE(took, absl::Milliseconds(200) + kSlack) << i;
  }
  // Routes without the policy are not affected.
  auto list = Fetch(gateway.port(), "GET", "/v1/shelves");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(Counter(gateway, kDenied) - denied, 5);
  EXPECT_GE(Counter(gateway, kUnavailable) - failures, 5);
}

// Redis stopped (SIGSTOP: connections stay open, nothing answers): each
// request waits for the timeout at most, then on_error decides; after
// SIGCONT the limit is checked again.
void RunStalledRedis(const std::string& on_error, int expected_status,
                     const char* decisions) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  GatewayProcess gateway;
  ASSERT_TRUE(gateway.Start(SharedShelfPolicy(redis, on_error)).ok());
  ASSERT_TRUE(WaitForRedis(gateway));
  const double decided = Counter(gateway, decisions);
  const double timeouts = Counter(gateway, kTimeout);
  redis.Pause();
  for (int i = 0; i < 3; ++i) {
    const absl::Time start = absl::Now();
    auto r = Fetch(gateway.port(), "GET", "/v1/shelves/1");
    const absl::Duration took = absl::Now() - start;
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, expected_status) << r->body;
    EXPECT_EQ(r->Header("RateLimit-Limit"), "");
    EXPECT_LE(took, absl::Milliseconds(200) + kSlack) << i;
  }
  EXPECT_EQ(Counter(gateway, decisions) - decided, 3);
  EXPECT_EQ(Counter(gateway, kTimeout) - timeouts, 3);
  redis.Resume();
  EXPECT_TRUE(WaitForRedis(gateway));
}

TEST(GatewayRateLimitTest, StalledRedisWithOnErrorDenyRefusesAfterTheTimeout) {
  RunStalledRedis("deny", 503, kDenied);
}

TEST(GatewayRateLimitTest, StalledRedisWithOnErrorAllowPassesAfterTheTimeout) {
  RunStalledRedis("allow", 200, kAllowed);
}

}  // namespace
}  // namespace protogate::ratelimit

namespace protogate::ratelimit {
namespace {

// Three gateway processes on one Redis, each loaded by its own client over
// keep-alive connections: together they pass one limit's worth.
TEST(GatewayRateLimitTest, ThreeGatewaysHoldOneSharedLimitWithinFivePercent) {
  constexpr int kRate = 100;  // Per second.
  constexpr int kBurst = 10;
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  const std::string sections =
      absl::StrCat("rate_limits:\n  redis: {address: \"", redis.address(),
                   "\", timeout: 0.2s, on_error: deny}\n  policies:\n"
                   "    - {name: all, key: header:x-client, requests: ",
                   kRate, ", per: 1s, burst: ", kBurst, ", shared: true}\n");
  std::vector<std::unique_ptr<GatewayProcess>> gateways;
  for (int i = 0; i < 3; ++i) {
    gateways.push_back(std::make_unique<GatewayProcess>());
    ASSERT_TRUE(gateways.back()->Start(sections).ok());
    // Connected to Redis (as another client, whose bucket the run does not
    // use): an answer with the RateLimit headers.
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    std::string limit;
    while (limit.empty() && absl::Now() < deadline) {
      auto r = Fetch(gateways.back()->port(), "GET", "/v1/shelves", "",
                     {"x-client: warm-up"});
      ASSERT_TRUE(r.ok());
      limit = r->Header("RateLimit-Limit");
    }
    ASSERT_EQ(limit, absl::StrCat(kBurst));
  }
  std::atomic<int> passed{0}, rejected{0}, other{0};
  const absl::Time start = absl::Now();
  const absl::Time end = start + absl::Seconds(3);
  std::vector<std::thread> clients;
  for (int i = 0; i < 3; ++i) {
    clients.emplace_back([&, i] {
      auto conn = testing::HttpConnection::Connect(gateways[i]->port());
      if (!conn.ok()) return;
      while (absl::Now() < end) {
        auto r = (*conn)->RoundTrip(
            "GET /v1/shelves HTTP/1.1\r\nHost: x\r\nx-client: run\r\n\r\n");
        if (!r.ok()) return;
        (r->status == 200   ? passed
         : r->status == 429 ? rejected
                            : other)
            .fetch_add(1);
      }
    });
  }
  for (auto& c : clients) c.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const double expected = kBurst + kRate * seconds;
  std::printf("3 gateways: %d passed (expected %.1f), %d rejected in %.3f s\n",
              passed.load(), expected, rejected.load(), seconds);
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(rejected.load(), 0) << "the load did not reach the limit";
  EXPECT_NEAR(passed.load(), expected, expected * 0.05);
}

}  // namespace
}  // namespace protogate::ratelimit
