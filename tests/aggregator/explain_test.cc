#include "aggregator/explain.h"

#include "aggregator/plan_compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/aggregator/test_plans.h"

namespace protogate::aggregator {
namespace {

using ::protogate::aggregator::testing::TestPlans;
using ::testing::HasSubstr;

class ExplainTest : public ::testing::Test {
 protected:
  std::unique_ptr<const CompiledPlan> Compile(const std::string& method) {
    auto plan = CompilePlan(plans_.Method("Gateway." + method));
    EXPECT_TRUE(plan.ok()) << plan.status();
    return *std::move(plan);
  }
  TestPlans plans_;
};

TEST_F(ExplainTest, CriticalPathIsTheLongestChainOfTimeouts) {
  auto plan = Compile("Chain");  // a (no timeout) -> b (2s); c (1s).
  CriticalPath path = FindCriticalPath(*plan);
  EXPECT_EQ(path.steps, (std::vector<int>{0, 1}));
  EXPECT_EQ(path.total, absl::Seconds(2));
}

TEST_F(ExplainTest, StepsWithoutTimeoutCountThePlanDeadline) {
  auto plan = Compile("Storefront");  // books 2s -> authors 1s; reviews 5s.
  CriticalPath path = FindCriticalPath(*plan);
  EXPECT_EQ(path.steps, (std::vector<int>{3}));
  EXPECT_EQ(path.total, absl::Seconds(5));
}

TEST_F(ExplainTest, CriticalPathNeverExceedsThePlanDeadline) {
  auto plan = Compile("DeadlineChain");  // a (no timeout) -> b (2s); 3s.
  CriticalPath path = FindCriticalPath(*plan);
  EXPECT_EQ(path.steps, (std::vector<int>{0, 1}));
  EXPECT_EQ(path.total, absl::Seconds(3));
  EXPECT_THAT(
      ExplainJson(*plan),
      HasSubstr(R"("critical_path":{"steps":["a","b"],"timeout_ms":3000}})"));
}

TEST_F(ExplainTest, JsonShowsWhenExpressions) {
  auto plan = Compile("Expressions");
  EXPECT_THAT(
      ExplainJson(*plan),
      HasSubstr(
          R"x("when":"steps.user.response.vip && request.shelf.startsWith('s')")x"));
  EXPECT_THAT(ExplainJson(*plan), HasSubstr(R"("strategy":"COMPUTE")"));
}

TEST_F(ExplainTest, JsonListsStepsMergesAndCriticalPath) {
  auto plan = Compile("Chain");
  const std::string json = ExplainJson(*plan);
  EXPECT_THAT(
      json,
      HasSubstr(R"({"method":"agg.test.Gateway.Chain","deadline_ms":null,)"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"({"id":"b","call":"agg.test.Books.ListBooks","criticality":"REQUIRED",)"
          R"("timeout_ms":2000,"depends_on":["a"],"worst_case_calls":1})"));
  EXPECT_THAT(
      json,
      HasSubstr(
          R"({"into":"books","from":"steps.b.response.books","strategy":"SET"})"));
  EXPECT_THAT(
      json,
      HasSubstr(R"("critical_path":{"steps":["a","b"],"timeout_ms":2000}})"));
}

TEST_F(ExplainTest, JsonDescribesFanOut) {
  auto plan = Compile("Storefront");
  EXPECT_THAT(
      ExplainJson(*plan),
      HasSubstr(
          R"("for_each":{"over":"steps.books.response.books","mode":"BATCH",)"
          R"("max_items":10,"max_concurrency":0,"max_batch":2})"));
}

TEST_F(ExplainTest, DotDrawsEdgesAndHighlightsTheCriticalPath) {
  auto plan = Compile("Chain");
  const std::string dot = ExplainDot(*plan);
  EXPECT_THAT(dot, HasSubstr("digraph \"agg.test.Gateway.Chain\" {"));
  EXPECT_THAT(dot, HasSubstr("\"a\" -> \"b\" [color=red, penwidth=2];"));
  EXPECT_THAT(
      dot,
      HasSubstr(
          "\"c\" "
          "[label=\"c\\nagg.test.ReviewService.GetReviews\\nREQUIRED\"];"));
}

}  // namespace
}  // namespace protogate::aggregator
