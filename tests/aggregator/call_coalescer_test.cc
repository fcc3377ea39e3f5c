// Request coalescing (aggregator/call_coalescer.h): concurrent runs of a
// `coalesce: true` step share one upstream call.
#include "aggregator/call_coalescer.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "aggregator/executor.h"
#include "aggregator/plan_compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/aggregator/fake_channel.h"
#include "tests/aggregator/test_plans.h"

namespace protogate::aggregator {
namespace {

using ::protogate::aggregator::testing::CallRequest;
using ::protogate::aggregator::testing::FakeChannel;
using ::protogate::aggregator::testing::Ok;
using ::protogate::aggregator::testing::TestPlans;

constexpr char kGetUser[] = "/agg.test.Users/GetUser";

struct Done {
  absl::Notification note;
  RunResult result;
};

class CallCoalescerTest : public ::testing::Test {
 protected:
  std::shared_ptr<Done> Start(const CompiledPlan& plan,
                              const std::string& request_text) {
    RunOptions options;
    options.coalescer = &coalescer_;
    options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
      return &fake_;
    };
    auto done = std::make_shared<Done>();
    executor_.Run(plan, plans_.Wire("agg.test.StorefrontRequest", request_text),
                  options, [done](RunResult r) {
                    done->result = std::move(r);
                    done->note.Notify();
                  });
    return done;
  }

  std::unique_ptr<const CompiledPlan> Compile(const std::string& method) {
    auto plan = CompilePlan(plans_.Method("Gateway." + method));
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *std::move(plan) : nullptr;
  }

  TestPlans plans_;
  CallCoalescer coalescer_;
  FakeChannel fake_;  // Destroyed before the coalescer.
  Executor executor_;
};

TEST_F(CallCoalescerTest, ConcurrentIdenticalCallsShareOneUpstreamCall) {
  auto plan = Compile("Coalesced");
  ASSERT_NE(plan, nullptr);
  const std::string user = plans_.Wire("agg.test.User", "id: 7 name: 'ann'");
  fake_.On(kGetUser, [user](const CallRequest&) { return Ok(user); });
  fake_.Hold(kGetUser);
  auto first = Start(*plan, "user_id: 7");
  ASSERT_TRUE(fake_.AwaitHeld(kGetUser, 1));
  // Run() sends (or joins) before it returns: the second run has joined.
  auto second = Start(*plan, "user_id: 7");
  auto other = Start(*plan, "user_id: 8");  // Different bytes: its own call.
  ASSERT_TRUE(fake_.AwaitHeld(kGetUser, 2));
  EXPECT_EQ(coalescer_.stats().joined, 1);
  EXPECT_EQ(coalescer_.stats().sent, 2);
  fake_.Release(kGetUser);
  for (const auto& done : {first, second, other}) {
    ASSERT_TRUE(done->note.WaitForNotificationWithTimeout(absl::Seconds(10)));
    ASSERT_TRUE(done->result.status.ok()) << done->result.status;
  }
  EXPECT_EQ(fake_.records(kGetUser).size(), 2u);
  // The joined run's step says so; the runs that sent their call do not.
  EXPECT_EQ(first->result.timings[0].coalesced, 0);
  EXPECT_EQ(second->result.timings[0].coalesced, 1);
  EXPECT_EQ(other->result.timings[0].coalesced, 0);
  EXPECT_EQ(plans_.Text("agg.test.Storefront", second->result.response),
            "user { id: 7 name: \"ann\" }");
}

TEST_F(CallCoalescerTest, StepsWithoutCoalesceSendTheirOwnCalls) {
  auto plan = Compile("Retry");  // GetUser without coalesce.
  ASSERT_NE(plan, nullptr);
  fake_.On(kGetUser, [&](const CallRequest&) {
    return Ok(plans_.Wire("agg.test.User", "id: 7"));
  });
  fake_.Hold(kGetUser);
  auto first = Start(*plan, "user_id: 7");
  auto second = Start(*plan, "user_id: 7");
  ASSERT_TRUE(fake_.AwaitHeld(kGetUser, 2));
  fake_.Release(kGetUser);
  for (const auto& done : {first, second}) {
    ASSERT_TRUE(done->note.WaitForNotificationWithTimeout(absl::Seconds(10)));
  }
  EXPECT_EQ(coalescer_.stats().sent, 0);
  EXPECT_EQ(fake_.records(kGetUser).size(), 2u);
}

}  // namespace
}  // namespace protogate::aggregator
