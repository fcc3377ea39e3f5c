#include "aggregator/executor.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "aggregator/field_selection.h"
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
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kGetUser[] = "/agg.test.Users/GetUser";
constexpr char kListBooks[] = "/agg.test.Books/ListBooks";
constexpr char kGetAuthor[] = "/agg.test.Authors/GetAuthor";
constexpr char kBatchAuthors[] = "/agg.test.Authors/BatchGetAuthors";
constexpr char kGetReviews[] = "/agg.test.ReviewService/GetReviews";

class ExecutorTest : public ::testing::Test {
 protected:
  struct Done {
    absl::Notification note;
    RunResult result;
  };

  // Starts a run; Wait() returns its result.
  std::shared_ptr<Done> Start(const std::string& method,
                              const std::string& request_text,
                              RunOptions options = {}) {
    auto plan = CompilePlan(plans_.Method("Gateway." + method));
    EXPECT_TRUE(plan.ok()) << plan.status();
    compiled_.push_back(*std::move(plan));
    if (!options.resolver) {
      options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
        return &fake_;
      };
    }
    auto done = std::make_shared<Done>();
    executor_.Run(*compiled_.back(), Request(request_text), options,
                  [done](RunResult r) {
                    done->result = std::move(r);
                    done->note.Notify();
                  });
    return done;
  }

  static RunResult Wait(const std::shared_ptr<Done>& done) {
    EXPECT_TRUE(done->note.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return done->result;
  }

  RunResult Run(const std::string& method, const std::string& request_text,
                RunOptions options = {}) {
    return Wait(Start(method, request_text, std::move(options)));
  }

  std::string Request(const std::string& text) {
    return plans_.Wire("agg.test.StorefrontRequest", text);
  }
  std::string Response(const RunResult& r) {
    return plans_.Text("agg.test.Storefront", r.response);
  }
  // A handler answering `text` as message `type`.
  FakeChannel::Handler Reply(const std::string& type, const std::string& text) {
    std::string wire = plans_.Wire(type, text);
    return [wire](const CallRequest&) { return Ok(wire); };
  }
  static FakeChannel::Handler Fail(absl::Status status) {
    return [status](const CallRequest&) { return CallResult{status}; };
  }
  std::string RequestText(const std::string& type, const CallRequest& r) {
    return plans_.Text(type, r.payload);
  }

  TestPlans plans_;
  std::vector<std::unique_ptr<const CompiledPlan>> compiled_;
  FakeChannel fake_;  // Destroyed before the plans.
  Executor executor_;
};

const StepTiming& TimingOf(const RunResult& r, const std::string& step) {
  for (const StepTiming& t : r.timings) {
    if (t.step == step) return t;
  }
  static const StepTiming kNone;
  ADD_FAILURE() << "no timing for " << step;
  return kNone;
}

TEST_F(ExecutorTest, StorefrontJoinsBatchResultsByKey) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 7 name: 'ann'"));
  fake_.On(kListBooks, [&](const CallRequest&) {
    CallResult r = Ok(plans_.Wire("agg.test.ListBooksResponse", R"pb(
      books { id: "b1" author_id: 1 }
      books { id: "b2" author_id: 2 }
      books { id: "b3" author_id: 1 }
      books { id: "b4" author_id: 3 })pb"));
    r.headers = {{"x-books-version", "v9"}, {"x-other", "no"}};
    return r;
  });
  // Out of order, id 3 missing, 2 duplicated (first wins), 99 unrequested.
  fake_.On(kBatchAuthors, Reply("agg.test.BatchGetAuthorsResponse", R"pb(
             authors { id: 99 name: "x" }
             authors { id: 2 name: "bo" }
             authors { id: 1 name: "al" }
             authors { id: 2 name: "dup" })pb"));
  RunOptions options;
  options.headers = {{"x-tenant", "t1"}, {"x-locale", "fr"}};
  RunResult r = Run("Storefront", "shelf: 's1' user_id: 7", options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r),
            "user { id: 7 name: \"ann\" } "
            "books { id: \"b1\" author_id: 1 author { id: 1 name: \"al\" } } "
            "books { id: \"b2\" author_id: 2 author { id: 2 name: \"bo\" } } "
            "books { id: \"b3\" author_id: 1 author { id: 1 name: \"al\" } } "
            "books { id: \"b4\" author_id: 3 } tenant: \"t1\"");
  // Distinct keys 1, 2, 3 in batches of two.
  auto batches = fake_.records(kBatchAuthors);
  ASSERT_EQ(batches.size(), 2u);
  std::vector<std::string> sent;
  for (const auto& b : batches) {
    sent.push_back(plans_.Text("agg.test.BatchGetAuthorsRequest", b.payload));
  }
  EXPECT_THAT(sent,
              ::testing::UnorderedElementsAre("ids: 1 ids: 2 locale: \"fr\"",
                                              "ids: 3 locale: \"fr\""));
  EXPECT_THAT(fake_.records(kListBooks)[0].metadata,
              ElementsAre(Pair("x-tenant", "t1")));
  EXPECT_THAT(r.headers, ElementsAre(Pair("x-books-version", "v9")));
  EXPECT_EQ(TimingOf(r, "reviews").outcome, StepOutcome::kSkipped);
  EXPECT_TRUE(fake_.records(kGetReviews).empty());
  EXPECT_EQ(TimingOf(r, "authors").calls, 2);
}

// Composite key (author_id, locale): one call per distinct pair; the
// results are joined back by the pair, once as a mapping (name into
// author_name) and once as a projection (only the name into author).
TEST_F(ExecutorTest, RicherJoinMatchesCompositeKeysAndCopiesChosenFields) {
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", R"pb(
             books { id: "b1" author_id: 1 locale: "en" }
             books { id: "b2" author_id: 1 locale: "fr" }
             books { id: "b3" author_id: 1 locale: "en" }
             books { id: "b4" author_id: 2 locale: "en" })pb"));
  fake_.On(kGetAuthor, [&](const CallRequest& req) {
    auto text = RequestText("agg.test.GetAuthorRequest", req);
    std::string name = absl::StrContains(text, "fr") ? "al-fr" : "al-en";
    if (absl::StrContains(text, "id: 2")) name = "bo-en";
    return Ok(plans_.Wire("agg.test.Author",
                          absl::StrCat("id: 99 name: '", name, "'")));
  });
  RunResult r = Run("RicherJoin", "shelf: 's1'");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r),
            "books { id: \"b1\" author_id: 1 author { name: \"al-en\" } "
            "locale: \"en\" author_name: \"al-en\" } "
            "books { id: \"b2\" author_id: 1 author { name: \"al-fr\" } "
            "locale: \"fr\" author_name: \"al-fr\" } "
            "books { id: \"b3\" author_id: 1 author { name: \"al-en\" } "
            "locale: \"en\" author_name: \"al-en\" } "
            "books { id: \"b4\" author_id: 2 author { name: \"bo-en\" } "
            "locale: \"en\" author_name: \"bo-en\" }");
  EXPECT_EQ(fake_.records(kGetAuthor).size(), 3u);  // (1,en) (1,fr) (2,en)
}

TEST_F(ExecutorTest, SelectionOfAJoinFieldsTargetAppliesOnlyThatJoin) {
  auto plan = CompilePlan(plans_.Method("Gateway.RicherJoin"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  auto selection = FieldSelection::Parse(**plan, "books.authorName");
  ASSERT_TRUE(selection.ok()) << selection.status();
  EXPECT_TRUE((*selection)->AppliesMerge(1));   // name: author_name
  EXPECT_FALSE((*selection)->AppliesMerge(2));  // author (projection)
  EXPECT_TRUE((*selection)->RunsStep(1));
}

TEST_F(ExecutorTest, EveryStepCallCarriesTheIdentityMetadata) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 7 name: 'ann'"));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse",
                             R"pb(books { id: "b1" author_id: 1 })pb"));
  fake_.On(kBatchAuthors, Reply("agg.test.BatchGetAuthorsResponse",
                                R"pb(authors { id: 1 name: "al" })pb"));
  RunOptions options;
  options.headers = {{"x-tenant", "t1"}, {"x-user-id", "spoofed"}};
  options.identity = {{"x-user-id", "u7"}};
  RunResult r = Run("Storefront", "shelf: 's1' user_id: 7", options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  // ListBooks propagates x-tenant; every call carries the identity, and no
  // call the client-sent x-user-id.
  EXPECT_THAT(fake_.records(kListBooks)[0].metadata,
              ElementsAre(Pair("x-tenant", "t1"), Pair("x-user-id", "u7")));
  ASSERT_FALSE(fake_.records(kGetUser).empty());
  EXPECT_THAT(fake_.records(kGetUser)[0].metadata,
              ElementsAre(Pair("x-user-id", "u7")));
  ASSERT_FALSE(fake_.records(kBatchAuthors).empty());
  EXPECT_THAT(fake_.records(kBatchAuthors)[0].metadata,
              ElementsAre(Pair("x-user-id", "u7")));
}

TEST_F(ExecutorTest, IndependentStepsOverlapAndDependentOnesWait) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 7"));
  fake_.On(kListBooks,
           Reply("agg.test.ListBooksResponse", "books { id: 'b' }"));
  fake_.On(kGetReviews, Reply("agg.test.Reviews", "reviews { text: 'r' }"),
           absl::Milliseconds(50));
  fake_.Hold(kGetUser);
  auto done = Start("Chain", "user_id: 7 shelf: 's'");
  // While a (GetUser) is held, the independent c runs; b has not started.
  ASSERT_TRUE(fake_.AwaitHeld(kGetUser, 1));
  EXPECT_EQ(fake_.records(kGetReviews).size(), 1u);
  EXPECT_TRUE(fake_.records(kListBooks).empty());
  fake_.Release(kGetUser);
  RunResult r = Wait(done);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r), "books { id: \"b\" } reviews { text: \"r\" }");
  const auto a = fake_.records(kGetUser).at(0);
  const auto b = fake_.records(kListBooks).at(0);
  const auto c = fake_.records(kGetReviews).at(0);
  EXPECT_LT(c.start, a.end);  // a and c overlapped.
  EXPECT_LT(a.start, c.end);
  EXPECT_GE(b.start, a.end);  // b waited for a.
  EXPECT_EQ(plans_.Text("agg.test.ListBooksRequest", b.payload), "user_id: 7");
  // Per-call deadlines: the step timeouts (no plan or caller deadline).
  EXPECT_LE(b.deadline, b.start + absl::Seconds(2));
  EXPECT_LE(c.deadline, c.start + absl::Seconds(1));
  EXPECT_EQ(a.deadline, absl::InfiniteFuture());
  EXPECT_THAT(ServerTimingValue(r), HasSubstr("a;dur="));
}

TEST_F(ExecutorTest, EachFanOutDedupsKeysAndCapsConcurrency) {
  fake_.On(kGetAuthor, [&](const CallRequest& req) {
    std::string text = RequestText("agg.test.GetAuthorRequest", req);
    return Ok(plans_.Wire("agg.test.Author",
                          absl::StrCat(text, " name: '", text, "'")));
  });
  fake_.Hold(kGetAuthor);
  auto done = Start("Authors", "author_ids: [3, 1, 3, 2]");
  ASSERT_TRUE(fake_.AwaitHeld(kGetAuthor, 2));
  EXPECT_EQ(fake_.records(kGetAuthor).size(), 2u);  // max_concurrency: 2.
  fake_.Release(kGetAuthor);
  RunResult r = Wait(done);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(fake_.records(kGetAuthor).size(), 3u);  // 3 was called once.
  EXPECT_EQ(
      Response(r),
      "authors { id: 3 name: \"id: 3\" } authors { id: 1 name: \"id: 1\" } "
      "authors { id: 2 name: \"id: 2\" }");
}

TEST_F(ExecutorTest, EachFanOutFailsWhenARequiredItemFails) {
  fake_.On(kGetAuthor, [&](const CallRequest& req) {
    if (RequestText("agg.test.GetAuthorRequest", req) == "id: 2") {
      return CallResult{absl::NotFoundError("no author 2")};
    }
    return Ok(plans_.Wire("agg.test.Author", "id: 1"));
  });
  RunResult r = Run("Authors", "author_ids: [1, 2]");
  EXPECT_EQ(r.status, absl::NotFoundError("step \"author\": no author 2"));
  EXPECT_EQ(TimingOf(r, "author").outcome, StepOutcome::kFailed);
}

TEST_F(ExecutorTest, BatchMatchesByKeyIgnoringDuplicatesAndMissing) {
  fake_.On(kBatchAuthors, Reply("agg.test.BatchGetAuthorsResponse", R"pb(
             authors { id: 7 name: "g" }
             authors { id: 4 name: "d" }
             authors { id: 5 name: "e" }
             authors { id: 5 name: "dup" }
             authors { id: 100 name: "x" })pb"));
  RunResult r = Run("BatchAuthors", "author_ids: [5, 4, 5, 6, 7]");
  ASSERT_TRUE(r.status.ok()) << r.status;
  // Item order; 6 is missing in the responses.
  EXPECT_EQ(Response(r),
            "authors { id: 5 name: \"e\" } authors { id: 4 name: \"d\" } "
            "authors { id: 7 name: \"g\" }");
  ASSERT_EQ(fake_.records(kBatchAuthors).size(), 2u);
}

TEST_F(ExecutorTest, MaxItemsFailsTheStepBeforeAnyCall) {
  RunResult r = Run("BatchAuthors", "author_ids: [1, 2, 3, 4, 5, 6, 7, 1]");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status.message(),
            "step \"authors\": for_each over \"request.author_ids\" has 7 "
            "distinct items; max_items is 6");
  EXPECT_TRUE(fake_.records().empty());
}

TEST_F(ExecutorTest, EmptyFanOutSucceedsWithoutCalls) {
  RunResult r = Run("BatchAuthors", "");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r), "");
  EXPECT_TRUE(fake_.records().empty());
}

TEST_F(ExecutorTest, RequiredFailureEndsTheRunWithoutWaitingForSiblings) {
  fake_.On(kGetUser, Fail(absl::InternalError("boom")));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", ""));
  fake_.On(kGetReviews, Reply("agg.test.Reviews", ""));
  fake_.Hold(kGetUser);
  fake_.Hold(kListBooks);
  auto done = Start("Criticality", "user_id: 1 shelf: 's'");
  ASSERT_TRUE(fake_.AwaitHeld(kListBooks, 1));
  ASSERT_TRUE(fake_.AwaitHeld(kGetUser, 1));
  fake_.Release(kGetUser);
  RunResult r = Wait(done);  // ListBooks is still held.
  EXPECT_EQ(r.status, absl::InternalError("step \"user\": boom"));
  EXPECT_EQ(TimingOf(r, "user").outcome, StepOutcome::kFailed);
  EXPECT_EQ(TimingOf(r, "books").outcome, StepOutcome::kRunning);
  EXPECT_EQ(TimingOf(r, "count").outcome, StepOutcome::kNotRun);
  // The sibling still in flight was cancelled before `done` ran.
  std::vector<FakeChannel::Record> books = fake_.records(kListBooks);
  ASSERT_EQ(books.size(), 1u);
  ASSERT_NE(books[0].canceller, nullptr);
  EXPECT_TRUE(books[0].canceller->cancelled());
  fake_.Release(kListBooks);  // The late result is dropped.
  EXPECT_EQ(fake_.records(kListBooks).size(), 1u);  // count never started.
}

TEST_F(ExecutorTest, LateResultsAfterThePlanIsGoneAreDropped) {
  fake_.On(kGetUser, Fail(absl::InternalError("boom")));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", "count: 1"));
  fake_.On(kGetReviews, Reply("agg.test.Reviews", ""));
  fake_.Hold(kGetUser);
  fake_.Hold(kListBooks);
  auto plan = std::make_shared<std::unique_ptr<const CompiledPlan>>(
      *CompilePlan(plans_.Method("Gateway.Criticality")));
  RunOptions options;
  options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
    return &fake_;
  };
  absl::Notification note;
  absl::Status status;
  executor_.Run(**plan, Request("user_id: 1 shelf: 's'"), options,
                [&, plan](RunResult r) {
                  status = r.status;
                  plan->reset();  // The caller may drop the plan in `done`.
                  note.Notify();
                });
  ASSERT_TRUE(fake_.AwaitHeld(kListBooks, 1));
  fake_.Release(kGetUser);
  ASSERT_TRUE(note.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(*plan, nullptr);
  fake_.Release(kListBooks);  // Completes after the plan was destroyed.
  EXPECT_TRUE(fake_.AwaitCompleted(kListBooks, 1));
}

TEST_F(ExecutorTest, OptionalFailureIsReportedAndFallbackUsed) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"));
  fake_.On(kListBooks, [&](const CallRequest& req) {
    if (RequestText("agg.test.ListBooksRequest", req) == "user_id: 1") {
      return Ok(plans_.Wire("agg.test.ListBooksResponse", "count: 3"));
    }
    return CallResult{absl::UnavailableError("books down")};
  });
  fake_.On(kGetReviews, Fail(absl::InternalError("reviews down")));
  RunResult r = Run("Criticality", "user_id: 1 shelf: 's'");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r),
            "user { id: 1 } reviews { text: \"no reviews yet\" } "
            "errors { code: 14 message: \"upstream unavailable\" "
            "step: \"books\" } "
            "count: 3");
  EXPECT_THAT(r.headers, ElementsAre(Pair("x-partial", "books=UNAVAILABLE")));
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_EQ(r.failures[0].step, "books");
  EXPECT_EQ(TimingOf(r, "books").outcome, StepOutcome::kFailed);
  EXPECT_EQ(TimingOf(r, "reviews").outcome, StepOutcome::kFallback);
}

// The errors entry of an OPTIONAL failure carries no transport text (it may
// hold addresses or library messages): transport codes get the generic
// message; a backend's own answer (any other code) keeps its message.
TEST_F(ExecutorTest, OptionalFailureHidesTransportText) {
  const struct {
    absl::Status status;
    const char* message;
  } cases[] = {
      {absl::UnavailableError("cannot connect to upstream 127.0.0.1:4321"),
       "upstream unavailable"},
      {absl::DeadlineExceededError("deadline after 10.0.0.1:80 timed out"),
       "upstream deadline exceeded"},
      {absl::UnknownError("grpc: /usr/lib/libssl.so failed"), "upstream error"},
      {absl::InternalError("stack: frame 0x7f00"), "upstream error"},
      {absl::DataLossError("truncated frame from 10.1.1.1"), "upstream error"},
      {absl::NotFoundError("no books for user 2"), "no books for user 2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status.ToString());
    FakeChannel fake;
    fake.On(kGetUser, Reply("agg.test.User", "id: 1"));
    fake.On(kListBooks, [&](const CallRequest& req) {
      if (RequestText("agg.test.ListBooksRequest", req) == "user_id: 1") {
        return Ok(plans_.Wire("agg.test.ListBooksResponse", "count: 3"));
      }
      return CallResult{c.status};  // The OPTIONAL step "books".
    });
    fake.On(kGetReviews, Fail(absl::InternalError("reviews down")));
    RunOptions options;
    options.request_id = "req-1";
    options.resolver = [&fake](const google::protobuf::ServiceDescriptor&) {
      return &fake;
    };
    RunResult r = Run("Criticality", "user_id: 1 shelf: 's'", options);
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_THAT(Response(r),
                HasSubstr(absl::StrCat(
                    "errors { code: ", static_cast<int>(c.status.code()),
                    " message: \"", c.message, "\"")));
    ASSERT_EQ(r.failures.size(), 1u);
    EXPECT_EQ(r.failures[0].status, c.status);  // The original, for the log.
  }
}

TEST_F(ExecutorTest, StepHookSeesEveryStepOnceWithItsOutcome) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"));
  fake_.On(kListBooks, [&](const CallRequest& req) {
    if (RequestText("agg.test.ListBooksRequest", req) == "user_id: 1") {
      return Ok(plans_.Wire("agg.test.ListBooksResponse", "count: 3"));
    }
    return CallResult{absl::UnavailableError("books down")};
  });
  fake_.On(kGetReviews, Fail(absl::InternalError("reviews down")));
  absl::Mutex mu;
  std::vector<StepTiming> seen;
  RunOptions options;
  options.on_step_done = [&](const StepTiming& t) {
    absl::MutexLock lock(&mu);
    seen.push_back(t);
  };
  RunResult r = Run("Criticality", "user_id: 1 shelf: 's'", options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  absl::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), r.timings.size());
  for (const StepTiming& t : seen) {
    EXPECT_EQ(t.outcome, TimingOf(r, t.step).outcome) << t.step;
    EXPECT_LE(t.start, t.end) << t.step;
  }
}

TEST_F(ExecutorTest, PlanDeadlineBoundsCalls) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"), absl::Seconds(30));
  const absl::Time start = absl::Now();
  RunResult r = Run("Slow", "user_id: 1");
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  auto calls = fake_.records(kGetUser);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_LE(calls[0].deadline,
            start + absl::Milliseconds(100) + absl::Seconds(1));
}

TEST_F(ExecutorTest, CallerDeadlineCapsStepTimeouts) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", ""));
  fake_.On(kGetReviews, Reply("agg.test.Reviews", ""));
  RunOptions options;
  options.deadline = absl::Now() + absl::Milliseconds(900);
  RunResult r = Run("Chain", "user_id: 1", options);
  ASSERT_TRUE(r.status.ok()) << r.status;
  for (const auto& call : fake_.records()) {
    EXPECT_EQ(call.deadline, options.deadline) << call.method;
  }
}

TEST_F(ExecutorTest, ExpiredDeadlineStartsNoStep) {
  RunOptions options;
  options.deadline = absl::Now() - absl::Seconds(1);
  RunResult r = Run("Memo", "user_id: 1", options);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(fake_.records().empty());
}

TEST_F(ExecutorTest, IdenticalCallsAreMemoised) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 4 name: 'x'"),
           absl::Milliseconds(20));
  RunResult r = Run("Memo", "user_id: 4");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(fake_.records(kGetUser).size(), 1u);
  EXPECT_EQ(Response(r),
            "user { id: 4 name: \"x\" } other_user { id: 4 name: \"x\" }");
  EXPECT_EQ(TimingOf(r, "first").calls + TimingOf(r, "second").calls, 1);
  EXPECT_EQ(TimingOf(r, "first").memo_hits + TimingOf(r, "second").memo_hits,
            1);
}

// Memo's merges copy the responses as bytes without parsing them: the
// bytes still have to be well-formed fields.
TEST_F(ExecutorTest, WireMergedResponseThatIsNotWellFormedFailsTheRun) {
  for (const std::string& bad :
       {std::string("\xff\xff", 2), std::string("\x08", 1),
        std::string("\x12\x05"
                    "ab",
                    4),
        std::string("\x00", 1), std::string("\x0c", 1)}) {
    FakeChannel fake;
    fake.On(kGetUser, [&](const CallRequest&) { return Ok(bad); });
    RunOptions options;
    options.resolver = [&fake](const google::protobuf::ServiceDescriptor&) {
      return &fake;
    };
    RunResult r = Run("Memo", "user_id: 4", options);
    EXPECT_EQ(r.status,
              absl::InternalError("step \"first\": response does not parse "
                                  "as agg.test.User"))
        << absl::CEscape(bad);
  }
}

// With a field selection the same merges go through reflection; the answer
// is the same message.
TEST_F(ExecutorTest, WireMergesAndSelectedMergesGiveTheSameMessage) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 4 name: 'x'"));
  RunResult wire = Run("Memo", "user_id: 4");
  ASSERT_TRUE(wire.status.ok()) << wire.status;
  auto plan = CompilePlan(plans_.Method("Gateway.Memo"));
  ASSERT_TRUE(plan.ok());
  auto selection = FieldSelection::Parse(**plan, "user,otherUser");
  ASSERT_TRUE(selection.ok()) << selection.status();
  RunOptions options;
  options.selection = *std::move(selection);
  RunResult reflected = Run("Memo", "user_id: 4", options);
  ASSERT_TRUE(reflected.status.ok()) << reflected.status;
  EXPECT_EQ(Response(wire), Response(reflected));
  EXPECT_EQ(Response(wire),
            "user { id: 4 name: \"x\" } other_user { id: 4 name: \"x\" }");
}

TEST_F(ExecutorTest, RetriesIdempotentCallsOnUnavailable) {
  int attempts = 0;
  fake_.On(kGetUser, [&](const CallRequest&) {
    if (++attempts < 3) return CallResult{absl::UnavailableError("flaky")};
    return Ok(plans_.Wire("agg.test.User", "id: 2"));
  });
  RunResult r = Run("Retry", "user_id: 2");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(fake_.records(kGetUser).size(), 3u);
  EXPECT_EQ(TimingOf(r, "user").calls, 3);
}

TEST_F(ExecutorTest, RetriesAreBounded) {
  fake_.On(kGetUser, Fail(absl::UnavailableError("down")));
  RunResult r = Run("Retry", "user_id: 2");
  EXPECT_EQ(r.status, absl::UnavailableError("step \"user\": down"));
  EXPECT_EQ(fake_.records(kGetUser).size(), 3u);  // 1 + max_retries 2.
}

TEST_F(ExecutorTest, MissingUpstreamFailsTheStep) {
  RunOptions options;
  options.resolver = [](const google::protobuf::ServiceDescriptor&) {
    return static_cast<upstream::Channel*>(nullptr);
  };
  RunResult r = Run("Retry", "user_id: 2", options);
  EXPECT_EQ(r.status,
            absl::UnavailableError(
                "step \"user\": no upstream for service agg.test.Users"));
}

TEST_F(ExecutorTest, ConditionalOptionalStepReportsItsFailure) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"));
  fake_.On(kListBooks, Reply("agg.test.ListBooksResponse", ""));
  fake_.On(kGetReviews, Fail(absl::UnavailableError("reviews down")));
  RunResult r = Run("Storefront", "user_id: 1 with_reviews: true");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(fake_.records(kGetReviews).size(), 1u);  // `when` was true.
  EXPECT_EQ(Response(r),
            "user { id: 1 } "
            "errors { code: 14 message: \"upstream unavailable\" "
            "step: \"reviews\" }");
  EXPECT_THAT(r.headers, ElementsAre(Pair("x-partial", "reviews=UNAVAILABLE")));
  EXPECT_EQ(TimingOf(r, "authors").outcome, StepOutcome::kOk);  // No books.
}

TEST_F(ExecutorTest, StepsReadingAFailedOptionalStepAreSkipped) {
  fake_.On(kGetUser, Fail(absl::UnavailableError("down")));
  RunResult r = Run("OptionalChain", "user_id: 1");
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(TimingOf(r, "user").outcome, StepOutcome::kFailed);
  EXPECT_EQ(TimingOf(r, "books").outcome, StepOutcome::kSkipped);
  EXPECT_TRUE(fake_.records(kListBooks).empty());
}

TEST_F(ExecutorTest, BatchFallbackFillsEveryKeyOfTheFailedBatch) {
  int batch = 0;
  fake_.On(kBatchAuthors, [&](const CallRequest& req) {
    if (++batch == 1) return CallResult{absl::InternalError("first fails")};
    return Ok(plans_.Wire("agg.test.BatchGetAuthorsResponse",
                          "authors { id: 3 name: 'c' }"));
  });
  fake_.Hold(kBatchAuthors);  // Both batches are sent before any answer.
  auto done = Start("FallbackAuthors", "author_ids: [1, 2, 3]");
  ASSERT_TRUE(fake_.AwaitHeld(kBatchAuthors, 2));
  fake_.Release(kBatchAuthors);
  RunResult r = Wait(done);
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(Response(r),
            "authors { name: \"unknown\" } authors { name: \"unknown\" } "
            "authors { id: 3 name: \"c\" }");
  EXPECT_EQ(TimingOf(r, "authors").outcome, StepOutcome::kFallback);
  EXPECT_TRUE(r.failures.empty());
}

TEST_F(ExecutorTest, RuntimeGuardStopsCallsPastMaxTotalCalls) {
  // The compiler proves the worst case fits; the executor still enforces
  // the limit (here lowered on a compiled plan to exercise the guard).
  auto plan = CompilePlan(plans_.Method("Gateway.Authors"));
  ASSERT_TRUE(plan.ok());
  const_cast<CompiledPlan&>(**plan).max_total_calls = 2;
  fake_.On(kGetAuthor, Reply("agg.test.Author", "id: 1"));
  RunOptions options;
  options.resolver = [this](const google::protobuf::ServiceDescriptor&) {
    return &fake_;
  };
  fake_.Hold(kGetAuthor);  // Both allowed calls are sent, then answered.
  absl::Notification note;
  RunResult out;
  executor_.Run(**plan, Request("author_ids: [1, 2, 3]"), options,
                [&](RunResult r) {
                  out = std::move(r);
                  note.Notify();
                });
  ASSERT_TRUE(fake_.AwaitHeld(kGetAuthor, 2));
  fake_.Release(kGetAuthor);
  ASSERT_TRUE(note.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(out.status, absl::ResourceExhaustedError(
                            "step \"author\": max_total_calls 2 reached"));
  EXPECT_EQ(fake_.records(kGetAuthor).size(), 2u);
}

TEST_F(ExecutorTest, ConcurrentRunsShareOnePlan) {
  fake_.On(kGetUser, Reply("agg.test.User", "id: 1"), absl::Milliseconds(2));
  fake_.On(
      kListBooks,
      Reply("agg.test.ListBooksResponse",
            "books { id: 'a' author_id: 1 } books { id: 'b' author_id: 2 }"),
      absl::Milliseconds(1));
  fake_.On(kBatchAuthors, Reply("agg.test.BatchGetAuthorsResponse",
                                "authors { id: 1 } authors { id: 2 }"));
  std::vector<std::shared_ptr<Done>> runs;
  for (int i = 0; i < 32; ++i) {
    runs.push_back(
        Start("Storefront", absl::StrCat("user_id: 1 shelf: 's", i, "'")));
  }
  for (const auto& run : runs) {
    RunResult r = Wait(run);
    ASSERT_TRUE(r.status.ok()) << r.status;
    EXPECT_EQ(
        Response(r),
        "user { id: 1 } books { id: \"a\" author_id: 1 author { id: 1 } } "
        "books { id: \"b\" author_id: 2 author { id: 2 } }");
  }
}

TEST_F(ExecutorTest, RejectsARequestThatDoesNotParse) {
  auto plan = CompilePlan(plans_.Method("Gateway.Memo"));
  ASSERT_TRUE(plan.ok());
  RunResult out;
  executor_.Run(**plan, std::string("\xff\xff", 2), RunOptions{},
                [&](RunResult r) { out = std::move(r); });
  EXPECT_EQ(out.status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace protogate::aggregator
