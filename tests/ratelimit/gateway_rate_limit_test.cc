// Rate limits through the real protogate binary and demo backend: the 429
// answer on the wire, nothing reaching the backend, and a shared policy in a
// real redis-server across an outage.
#include <atomic>
#include <cstdio>
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
