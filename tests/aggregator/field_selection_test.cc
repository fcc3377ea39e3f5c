// Field selection (aggregator/field_selection.h): the steps a selection
// runs, and the executor running only those and trimming the response.
#include "aggregator/field_selection.h"

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
using ::testing::HasSubstr;

constexpr char kGetUser[] = "/agg.test.Users/GetUser";
constexpr char kListBooks[] = "/agg.test.Books/ListBooks";
constexpr char kBatchAuthors[] = "/agg.test.Authors/BatchGetAuthors";
constexpr char kGetReviews[] = "/agg.test.ReviewService/GetReviews";

class FieldSelectionTest : public ::testing::Test {
 protected:
  FieldSelectionTest() {
    auto plan = CompilePlan(plans_.Method("Gateway.Storefront"));
    EXPECT_TRUE(plan.ok()) << plan.status();
    plan_ = *std::move(plan);
    fake_.On(kGetUser, Reply("agg.test.User", "id: 7 name: 'ann'"));
    fake_.On(kListBooks, Reply("agg.test.ListBooksResponse",
                               "books { id: 'b1' author_id: 1 }"));
    fake_.On(kBatchAuthors, Reply("agg.test.BatchGetAuthorsResponse",
                                  "authors { id: 1 name: 'al' }"));
    fake_.On(kGetReviews, Reply("agg.test.Reviews", "reviews { text: 'ok' }"));
  }

  std::shared_ptr<const FieldSelection> Select(const std::string& fields) {
    auto s = FieldSelection::Parse(*plan_, fields);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : nullptr;
  }

  RunResult Run(std::shared_ptr<const FieldSelection> selection) {
    RunOptions options;
    options.headers = {{"x-tenant", "t1"}};
    options.selection = std::move(selection);
    options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
      return &fake_;
    };
    absl::Notification note;
    RunResult result;
    executor_.Run(*plan_,
                  plans_.Wire("agg.test.StorefrontRequest",
                              "shelf: 's1' user_id: 7 with_reviews: true"),
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

  TestPlans plans_;
  std::unique_ptr<const CompiledPlan> plan_;
  FakeChannel fake_;
  Executor executor_;
};

TEST_F(FieldSelectionTest, SkipsTheStepsOfUnselectedFields) {
  auto selection = Select("user,reviews");
  ASSERT_NE(selection, nullptr);
  RunResult r = Run(selection);
  ASSERT_TRUE(r.status.ok()) << r.status;
  // Two of the four steps run: the backends see two calls.
  EXPECT_EQ(fake_.records().size(), 2u);
  EXPECT_EQ(fake_.records(kGetUser).size(), 1u);
  EXPECT_EQ(fake_.records(kGetReviews).size(), 1u);
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "user { id: 7 name: \"ann\" } reviews { text: \"ok\" }");
  EXPECT_EQ(r.timings[1].outcome, StepOutcome::kSkipped);  // books
  EXPECT_EQ(r.timings[2].outcome, StepOutcome::kSkipped);  // authors
}

TEST_F(FieldSelectionTest, NestedPathKeepsTheStepsItsJoinNeeds) {
  auto selection = Select("books.author.name");
  ASSERT_NE(selection, nullptr);
  EXPECT_EQ(selection->ExplainJson(*plan_),
            R"({"fields":["books.author.name"],"runs":["books","authors"],)"
            R"("skips":["user","reviews"]})");
  RunResult r = Run(selection);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_TRUE(fake_.records(kGetUser).empty());
  EXPECT_EQ(plans_.Text("agg.test.Storefront", r.response),
            "books { author { name: \"al\" } }");
}

TEST_F(FieldSelectionTest, CamelCaseJsonFormAndEmptySelectsAll) {
  auto all = Select("");
  ASSERT_NE(all, nullptr);
  for (size_t s = 0; s < plan_->steps.size(); ++s) {
    EXPECT_TRUE(all->RunsStep(static_cast<int>(s)));
  }
  auto camel = FieldSelection::Parse(*plan_, "otherUser,tenant");
  ASSERT_TRUE(camel.ok()) << camel.status();
  EXPECT_EQ((*camel)->paths(),
            (std::vector<std::string>{"other_user", "tenant"}));
}

TEST_F(FieldSelectionTest, UnknownFieldIsInvalidArgument) {
  auto bad = FieldSelection::Parse(*plan_, "user,nope");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("fields: no field \"nope\" in agg.test.Storefront"));
}

}  // namespace
}  // namespace protogate::aggregator
