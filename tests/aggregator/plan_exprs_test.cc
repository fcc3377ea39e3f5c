// Plans with CEL expressions (aggregator/plan_exprs.h), run by the Executor
// against a FakeChannel.
#include "aggregator/plan_exprs.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
using ::protogate::aggregator::testing::CallResult;
using ::protogate::aggregator::testing::FakeChannel;
using ::protogate::aggregator::testing::Ok;
using ::protogate::aggregator::testing::TestPlans;
using ::testing::UnorderedElementsAre;

constexpr char kGetUser[] = "/agg.test.Users/GetUser";
constexpr char kListBooks[] = "/agg.test.Books/ListBooks";
constexpr char kGetAuthor[] = "/agg.test.Authors/GetAuthor";
constexpr char kGetReviews[] = "/agg.test.ReviewService/GetReviews";

class PlanExprsTest : public ::testing::Test {
 protected:
  RunResult Run(const std::string& method, const std::string& request_text,
                RunOptions options = {}) {
    auto plan = CompilePlan(plans_.Method("Gateway." + method));
    EXPECT_TRUE(plan.ok()) << plan.status();
    compiled_.push_back(*std::move(plan));
    options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
      return &fake_;
    };
    absl::Notification note;
    RunResult result;
    executor_.Run(*compiled_.back(),
                  plans_.Wire("agg.test.StorefrontRequest", request_text),
                  options, [&](RunResult r) {
                    result = std::move(r);
                    note.Notify();
                  });
    EXPECT_TRUE(note.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return result;
  }

  FakeChannel::Handler Reply(const std::string& type, const std::string& text) {
    std::string wire = plans_.Wire(type, text);
    return [wire](const CallRequest&) { return Ok(wire); };
  }

  std::vector<std::string> Sent(const std::string& method,
                                const std::string& type) {
    std::vector<std::string> out;
    for (const auto& r : fake_.records(method)) {
      out.push_back(plans_.Text(type, r.payload));
    }
    return out;
  }

  TestPlans plans_;
  std::vector<std::unique_ptr<const CompiledPlan>> compiled_;
  FakeChannel fake_;
  Executor executor_;
};

TEST_F(PlanExprsTest, BindsConditionsAndComputesFields) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 72 name: 'ann' vip: true"));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", R"pb(
             books { id: "b1" title: "T1" author_id: 1 }
             books { id: "b2" title: "T2" author_id: 0 }
             books { id: "b3" title: "T3" author_id: 9 })pb"));
  RunOptions options;
  options.headers = {{"x-tenant", "acme"}};
  RunResult r =
      Run("Expressions", "shelf: 's1' user_id: 7 author_ids: [1, 2]", options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Sent(kGetUser, "agg.test.GetUserRequest"),
              UnorderedElementsAre("id: 72"));
  EXPECT_THAT(Sent(kListBooks, "agg.test.ListBooksRequest"),
              UnorderedElementsAre("shelf: \"s1-acme\""));
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "user { id: 72 name: \"ann\" vip: true } "
            "books { id: \"b1\" title: \"T1 #1\" author_id: 1 } "
            "books { id: \"b3\" title: \"T3 #9\" author_id: 9 } "
            "tenant: \"A-ann\" big: 1 count: 2");
}

TEST_F(PlanExprsTest, FalseConditionSkipsTheStep) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 70 name: 'Bob'"));
  RunResult r = Run("Expressions", "shelf: 's1' user_id: 7");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(fake_.records(kListBooks).empty());
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "user { id: 70 name: \"Bob\" } tenant: \"other\"");
}

TEST_F(PlanExprsTest, FanOutBindingsReadTheItem) {
  fake_.On(kGetAuthor, [&](const CallRequest& c) {
    return Ok(plans_.Wire(
        "agg.test.Author",
        plans_.Text("agg.test.GetAuthorRequest", c.payload).substr(0, 7)));
  });
  RunResult r = Run("ExprFanOut", "author_ids: [1, 2] small: 1");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_THAT(Sent(kGetAuthor, "agg.test.GetAuthorRequest"),
              UnorderedElementsAre("id: 50 locale: \"odd\"",
                                   "id: 100 locale: \"even\""));
}

TEST_F(PlanExprsTest, BindingErrorFailsTheStepWithItsCause) {
  RunResult r = Run("ExprFanOut", "author_ids: [1] small: -1");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status.message(),
            "step \"author\": bind[0] \"id\": divide by zero");
  EXPECT_TRUE(fake_.records(kGetAuthor).empty());
}

TEST_F(PlanExprsTest, NestedFanOutCallsOncePerDistinctInnerKey) {
  fake_.On(kGetAuthor, [&](const CallRequest& c) {
    const std::string id =
        plans_.Text("agg.test.GetAuthorRequest", c.payload).substr(4);
    return Ok(plans_.Wire(
        "agg.test.Author",
        absl::StrCat("id: ", id, " name: '", id == "2" ? "y" : "x", "'")));
  });
  fake_.On(kGetReviews, [&](const CallRequest& c) {
    const std::string shelf =
        plans_.Text("agg.test.GetReviewsRequest", c.payload);
    return Ok(
        plans_.Wire("agg.test.Reviews",
                    absl::StrCat("reviews { text: '",
                                 shelf.substr(8, shelf.size() - 9), "' }")));
  });
  RunResult r = Run("Nested", "author_ids: [1, 2, 3]");
  ASSERT_TRUE(r.status.ok()) << r.status;
  // Names x, y, x: two distinct inner keys, two calls.
  EXPECT_THAT(Sent(kGetReviews, "agg.test.GetReviewsRequest"),
              UnorderedElementsAre("shelf: \"about x\"", "shelf: \"about y\""));
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "reviews { text: \"about x\" } reviews { text: \"about y\" } "
            "authors { id: 1 name: \"x\" } authors { id: 2 name: \"y\" } "
            "authors { id: 3 name: \"x\" }");
}

TEST_F(PlanExprsTest, OptionalFanOutReportsEachFailedItemWithItsPath) {
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", R"pb(
             books { id: "b1" author_id: 1 }
             books { id: "b2" author_id: 2 }
             books { id: "b3" author_id: 3 }
             books { id: "b4" author_id: 2 })pb"));
  fake_.On(kGetAuthor, [&](const CallRequest& c) {
    const std::string text =
        plans_.Text("agg.test.GetAuthorRequest", c.payload);
    if (text == "id: 1") return Ok(plans_.Wire("agg.test.Author", "id: 1"));
    return CallResult{absl::UnavailableError("upstream unavailable")};
  });
  RunResult r = Run("ItemErrors", "shelf: 's'");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.failures.size(), 2u);  // Keys 2 and 3; 1 succeeded.
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "books { id: \"b1\" author_id: 1 author { id: 1 } } "
            "books { id: \"b2\" author_id: 2 } "
            "books { id: \"b3\" author_id: 3 } "
            "books { id: \"b4\" author_id: 2 } "
            "errors { code: 14 message: \"upstream unavailable\" "
            "step: \"authors\" path: \"books[1].author\" } "
            "errors { code: 14 message: \"upstream unavailable\" "
            "step: \"authors\" path: \"books[2].author\" }");
  EXPECT_THAT(r.headers, ::testing::ElementsAre(::testing::Pair(
                             "x-partial", "authors=UNAVAILABLE")));
}

TEST(PlainPathTest, TellsPathsFromExpressions) {
  EXPECT_TRUE(IsPlainPath("request.a.b"));
  EXPECT_TRUE(IsPlainPath("steps.x_1.response"));
  EXPECT_TRUE(IsPlainPath("item"));
  EXPECT_TRUE(IsPlainPath("header[\"x-tenant\"]"));
  EXPECT_FALSE(IsPlainPath("header['x-tenant']"));
  EXPECT_FALSE(IsPlainPath("request.a + 1"));
  EXPECT_FALSE(IsPlainPath("size(request.ids)"));
  EXPECT_FALSE(IsPlainPath("request..a"));
  EXPECT_FALSE(IsPlainPath("1"));
  EXPECT_FALSE(IsPlainPath("true"));
  EXPECT_FALSE(IsPlainPath("response.a"));
}

}  // namespace
}  // namespace protogate::aggregator
