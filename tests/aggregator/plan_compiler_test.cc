#include "aggregator/plan_compiler.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/aggregator/test_plans.h"

namespace protogate::aggregator {
namespace {

using ::protogate::aggregator::testing::TestPlans;
using ::testing::HasSubstr;

const TestPlans& Plans() {
  static const TestPlans* plans = new TestPlans();
  return *plans;
}

TEST(PlanCompilerTest, ReturnsNotFoundForMethodWithoutPlan) {
  auto plan = CompilePlan(Plans().Method("Gateway.Plain"));
  EXPECT_TRUE(absl::IsNotFound(plan.status())) << plan.status();
  EXPECT_FALSE(HasPlan(Plans().Method("Gateway.Plain")));
  EXPECT_TRUE(HasPlan(Plans().Method("Gateway.Storefront")));
}

TEST(PlanCompilerTest, CompilesEveryValidPlan) {
  for (const char* name :
       {"Storefront", "Authors", "BatchAuthors", "Memo", "Criticality", "Chain",
        "Retry", "Slow", "OptionalChain", "FallbackAuthors", "Expressions",
        "ExprFanOut", "DeadlineChain", "Nested", "ItemErrors", "Coalesced",
        "RicherJoin"}) {
    auto plan = CompilePlan(Plans().Method(std::string("Gateway.") + name));
    EXPECT_TRUE(plan.ok()) << name << ": " << plan.status();
  }
}

TEST(PlanCompilerTest, ResolvesStepsDependenciesAndLimits) {
  auto plan = CompilePlan(Plans().Method("Gateway.Storefront"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const CompiledPlan& p = **plan;
  ASSERT_EQ(p.steps.size(), 4u);
  EXPECT_EQ(p.steps[0].rpc_path, "/agg.test.Users/GetUser");
  EXPECT_TRUE(p.steps[0].deps.empty());
  EXPECT_EQ(p.steps[2].deps, std::vector<int>{1});  // authors <- books
  EXPECT_EQ(p.steps[1].dependents, std::vector<int>{2});
  EXPECT_EQ(p.steps[2].worst_case_calls, 5);  // ceil(10 / 2)
  EXPECT_EQ(p.worst_case_calls, 8);
  EXPECT_EQ(p.max_total_calls, 20);
  EXPECT_EQ(p.deadline, absl::Seconds(5));
  EXPECT_EQ(p.error_header, "x-partial");
  EXPECT_EQ(p.error_field.size(), 1u);
}

struct ErrorRow {
  const char* method;
  const char* message;
};

// One row per validation rule, with its exact message.
const ErrorRow kErrors[] = {
    {"UnknownMethod",
     R"(step "user": call "agg.test.Users.Nope": method not found)"},
    {"StreamingMethod",
     R"(step "user": call "agg.test.Users.WatchUser": method is streaming; only unary methods can be called)"},
    {"BadId", R"(step "User": id must match [a-z0-9_]+)"},
    {"DuplicateId", R"(step "user": duplicate step id)"},
    {"UnknownField",
     R"(step "user": bind[0].from "request.nope": no field "nope" in agg.test.StorefrontRequest)"},
    {"UnknownTarget",
     R"(step "user": bind[0].to "uid": no field "uid" in agg.test.GetUserRequest)"},
    {"CrossesList",
     R"(merge[0] from "steps.books.response.books.title": field "books" is repeated; paths may not cross lists)"},
    {"TypeMismatch",
     R"(step "user": bind[0].from "request.shelf": type mismatch: cannot assign string to int64)"},
    {"ListIntoSingle",
     R"(merge[0] from "steps.books.response.author_ids": cannot write a list of int64 into a single int64; use for_each)"},
    {"UnknownStep",
     R"(step "user": bind[0].from "steps.ghost.response.id": unknown step "ghost")"},
    {"Cycle", R"(steps: cycle: a -> b -> a)"},
    {"Unreachable",
     R"(step "extra": unreachable: no merge, used step or response header reads its result)"},
    {"DoubleWrite",
     R"(merge[1] into "user.name": conflicts with merge[0]: both write "user" unconditionally)"},
    {"OneofWrite",
     R"(merge[1] into "choice_b": conflicts with merge[0]: "choice_a" and "choice_b" are members of oneof "choice")"},
    {"TimeoutOverDeadline",
     R"(step "user": timeout 3s exceeds the plan deadline 1s)"},
    {"TooManyCalls",
     R"(max_total_calls: worst case of 10 upstream calls (authors=10) exceeds 5)"},
    {"RetryNotIdempotent",
     R"(step "user": max_retries needs an idempotent method; "agg.test.Users.TouchUser" has idempotency_level IDEMPOTENCY_UNKNOWN)"},
    {"MissingMaxItems", R"(step "authors": for_each.max_items must be > 0)"},
    {"OverNotList",
     R"(step "authors": for_each.over "request.user_id": not a list (got int64))"},
    {"EachInSet",
     R"(merge[0] from "steps.authors.each": steps.<id>.each is only allowed in APPEND and JOIN merges and in for_each.over)"},
    {"ItemInBatch",
     R"(step "authors": bind[0].from "item": `item` is not available in BATCH bindings; keys go to batch_request_field)"},
    {"JoinWithoutEach",
     R"(merge[0] from "steps.user.response": JOIN needs a steps.<id>.each reference)"},
    {"BadErrorField",
     R"(errors.field "books": want a repeated message field with int32 code and string message (like google.rpc.Status))"},
    {"FallbackNotFallback",
     R"(step "user": fallback is set but criticality is not FALLBACK)"},
    {"FallbackParse",
     R"(step "user": fallback does not parse as agg.test.User: 1:5: Message type "agg.test.User" has no field named "nope".)"},
    {"BatchKeyMismatch",
     R"(step "authors": for_each.batch_response_key "name": key type string does not match the item key type int64)"},
    {"JoinKeyMismatch",
     R"(merge[0] join_key "id": key type string does not match the key type of step "authors": int64)"},
    {"ExprTypeError",
     R"(step "user": bind[0].from "request.user_id + request.shelf": column 17: no matching overload for '_+_' applied to (int, string))"},
    {"ExprMisfit",
     R"(step "user": bind[0].from "request.shelf + '1'": type mismatch: the expression has type string, field "id" is int)"},
    {"ExprWhenNotBool",
     R"(step "user": when "request.user_id + 1": a when expression must be bool, not int)"},
    {"ExprUnknownField",
     R"(merge[0] from "request.nope + 'x'": column 8: no field "nope" in agg.test.StorefrontRequest)"},
    {"ComputeNeedsField",
     R"(merge[0] target_field "": a field path is required)"},
    {"CoalesceNotIdempotent",
     R"(step "user": coalesce needs an idempotent method; "agg.test.Users.TouchUser" has idempotency_level IDEMPOTENCY_UNKNOWN)"},
    {"NestedOverCap",
     R"(max_total_calls: worst case of 60 upstream calls (books=10, authors=50) exceeds 20)"},
    {"JoinKeyCount",
     R"(merge[1] join_key "author_id": 1 key path(s), but the key of step "authors" has 2)"},
    {"CompositeBatchKey",
     R"(step "authors": for_each.key "author_id, locale": a composite key needs mode EACH)"},
    {"JoinFieldsUnknown",
     R"(merge[1] join_fields[0] "nme: author_name": no field "nme" in agg.test.Author (the results of step "authors"))"},
    {"JoinFieldsMismatch",
     R"(merge[1] join_fields[0] "id: author_name": type mismatch: cannot assign int64 to string)"},
    {"JoinFieldsConflict",
     R"(merge[2] into "books": conflicts with merge[1]: both write "books.author" unconditionally)"},
};

// A whole step response SET into a top-level field that nothing else writes
// is copied as bytes (wire_merges.h); its step is parsed only when something
// else reads it.
TEST(PlanCompilerTest, WholeResponseMergesAreAppliedAtTheWireLevel) {
  auto memo = CompilePlan(Plans().Method("Gateway.Memo"));
  ASSERT_TRUE(memo.ok()) << memo.status();
  EXPECT_TRUE((*memo)->merges[0].wire);
  EXPECT_TRUE((*memo)->merges[1].wire);
  EXPECT_EQ((*memo)->wire_merges.size(), 2u);
  for (const CompiledStep& step : (*memo)->steps) {
    EXPECT_TRUE(step.keeps_wire) << step.id;
    EXPECT_FALSE(step.parses_response) << step.id;
  }
  // Only the whole "user" response is copied; the sub-path, JOIN and
  // header merges go through reflection, so "books" is parsed.
  auto store = CompilePlan(Plans().Method("Gateway.Storefront"));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->merges[0].wire);
  EXPECT_TRUE((*store)->steps[0].keeps_wire);
  EXPECT_FALSE((*store)->steps[0].parses_response);
  EXPECT_FALSE((*store)->steps[1].keeps_wire);
  EXPECT_TRUE((*store)->steps[1].parses_response);
  for (size_t i = 1; i < (*store)->merges.size(); ++i) {
    EXPECT_FALSE((*store)->merges[i].wire) << i;
  }
  // An expression reading the response being built turns them all off.
  auto exprs = CompilePlan(Plans().Method("Gateway.Expressions"));
  ASSERT_TRUE(exprs.ok()) << exprs.status();
  EXPECT_TRUE((*exprs)->wire_merges.empty());
}

// Plain steps bound by paths build their request bytes directly; fan-out
// steps and expression bindings fill a message.
TEST(PlanCompilerTest, PathBoundPlainStepsWriteTheirRequestBytes) {
  auto store = CompilePlan(Plans().Method("Gateway.Storefront"));
  ASSERT_TRUE(store.ok()) << store.status();
  const auto& steps = (*store)->steps;
  EXPECT_TRUE(steps[0].wire_request);  // user: id <- request.user_id.
  EXPECT_EQ(steps[0].wire_bindings.size(), 1u);
  EXPECT_TRUE(steps[1].wire_request);   // books: shelf <- request.shelf.
  EXPECT_FALSE(steps[2].wire_request);  // authors: BATCH fan-out.
  auto exprs = CompilePlan(Plans().Method("Gateway.Expressions"));
  ASSERT_TRUE(exprs.ok()) << exprs.status();
  bool any_expr_binding = false;
  for (const CompiledStep& step : (*exprs)->steps) {
    for (const CompiledBinding& b : step.bindings) {
      if (b.expr != nullptr) {
        any_expr_binding = true;
        EXPECT_FALSE(step.wire_request) << step.id;
      }
    }
  }
  EXPECT_TRUE(any_expr_binding);
}

TEST(PlanCompilerTest, NestedFanOutMultipliesTheCaps) {
  auto plan = CompilePlan(Plans().Method("Gateway.Nested"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  const CompiledPlan& p = **plan;
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[1].for_each->parent, 0);
  EXPECT_EQ(p.steps[1].deps, std::vector<int>{0});
  EXPECT_EQ(p.steps[1].for_each->total_items, 3);  // 3 authors x 1 name.
  EXPECT_EQ(p.worst_case_calls, 6);
}

TEST(PlanCompilerTest, RejectsEachInvalidPlanWithItsMessage) {
  for (const ErrorRow& row : kErrors) {
    SCOPED_TRACE(row.method);
    const auto& method = Plans().Method(std::string("BadPlans.") + row.method);
    auto plan = CompilePlan(method);
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(std::string(plan.status().message()),
              absl::StrCat("plan \"agg.test.BadPlans.", row.method,
                           "\": ", row.message));
  }
}

TEST(PlanCompilerTest, EveryBadPlanMethodHasARow) {
  const auto* service = Plans().pool().FindServiceByName("agg.test.BadPlans");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(static_cast<size_t>(service->method_count()), std::size(kErrors));
}

}  // namespace
}  // namespace protogate::aggregator
