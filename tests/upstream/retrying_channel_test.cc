// RetryingChannel over a real upstream channel to a scripted backend
// (tests/testing/grpc/scripted_backend.h) that fails with UNAVAILABLE a
// given number of times; RetryBudget and TimerQueue on their own.
#include "gateway/upstream/retrying_channel.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/upstream/retry_budget.h"
#include "gateway/upstream/retry_observer.h"
#include "gateway/upstream/timer_queue.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/backends_config.h"
#include "tests/testing/grpc/scripted_backend.h"
#include "tests/upstream/upstream_test_util.h"

namespace protogate::upstream::testing {
namespace {

using ::protogate::testing::ScriptedBackend;
using ::protogate::testing::ScriptedReply;

constexpr char kMethod[] = "/demo.bookstore.v1.Bookstore/GetShelf";
const ScriptedReply kUnavailable{.code = grpc::StatusCode::UNAVAILABLE,
                                 .message = "down"};

class RetryingChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = ScriptedBackend::Start();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    backend_->SetDefault(kMethod, {.payload = "\x08\x01"});
    auto upstreams = Upstreams::Create(
        ::protogate::testing::BackendsConfig(
            {{.service = "demo.bookstore", .target = backend_->address()}}),
        {});
    ASSERT_TRUE(upstreams.ok()) << upstreams.status();
    upstreams_ = *std::move(upstreams);
    inner_ = upstreams_->Resolve("demo.bookstore.v1.Bookstore");
  }

  std::unique_ptr<RetryingChannel> Retrying(RetryOptions options,
                                            RetryBudgetOptions budget = {}) {
    budget_ = std::make_shared<RetryBudget>(budget);
    return std::make_unique<RetryingChannel>(*inner_, timers_, budget_,
                                             options);
  }

  static CallRequest Request(absl::Duration timeout = absl::Seconds(10)) {
    return {.method = kMethod, .deadline = absl::Now() + timeout};
  }

  std::unique_ptr<ScriptedBackend> backend_;
  std::unique_ptr<Upstreams> upstreams_;
  Channel* inner_ = nullptr;
  TimerQueue timers_;
  std::shared_ptr<RetryBudget> budget_;
};

TEST_F(RetryingChannelTest, RetriesUnavailableUntilItSucceeds) {
  backend_->Push(kMethod, kUnavailable, 2);
  auto channel =
      Retrying({.max_attempts = 3, .initial_backoff = absl::Milliseconds(10)});
  CallResult result = CallAndWait(*channel, Request());
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.payload, "\x08\x01");
  EXPECT_EQ(backend_->calls(kMethod), 3);
}

// Records each retry and gives it a traceparent of its own ("...-0N-01"
// for retry N).
class NumberingRetryObserver final : public RetryObserver {
 public:
  void Retrying(const FailedAttempt& failed,
                Traceparent& traceparent) override {
    codes.push_back(failed.code);
    end_times.push_back(failed.end_unix_ns);
    const std::string value =
        absl::StrCat("00-4bf92f3577b34da6a3ce929d0e0e4736-00000000000000",
                     absl::Dec(codes.size(), absl::kZeroPad2), "-01");
    std::copy(value.begin(), value.end(), traceparent.text.begin());
  }
  std::vector<absl::StatusCode> codes;
  std::vector<int64_t> end_times;
};

TEST_F(RetryingChannelTest,
       RetryObserverHearsOfEachRetryAndSetsItsTraceparent) {
  backend_->Push(kMethod, kUnavailable, 2);
  auto channel =
      Retrying({.max_attempts = 3, .initial_backoff = absl::Milliseconds(1)});
  NumberingRetryObserver observer;
  CallRequest request = Request();
  const std::string first =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  std::copy(first.begin(), first.end(), request.traceparent.text.begin());
  request.retry_observer = &observer;
  const int64_t before = absl::GetCurrentTimeNanos();
  CallResult result = CallAndWait(*channel, std::move(request));
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(observer.codes,
            (std::vector<absl::StatusCode>{absl::StatusCode::kUnavailable,
                                           absl::StatusCode::kUnavailable}));
  ASSERT_EQ(observer.end_times.size(), 2u);
  EXPECT_GE(observer.end_times[0], before);
  EXPECT_GE(observer.end_times[1], observer.end_times[0]);
  std::vector<std::string> seen;
  for (const auto& call : backend_->received()) {
    auto it = call.metadata.find("traceparent");
    seen.push_back(it == call.metadata.end() ? "" : it->second);
  }
  EXPECT_EQ(
      seen,
      (std::vector<std::string>{
          first, "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000001-01",
          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000002-01"}));
}

TEST_F(RetryingChannelTest, GivesUpAfterMaxAttemptsWithTheLastResult) {
  backend_->SetDefault(kMethod, kUnavailable);
  auto channel =
      Retrying({.max_attempts = 3, .initial_backoff = absl::Milliseconds(10)});
  CallResult result = CallAndWait(*channel, Request());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result.status.message(), "down");
  EXPECT_EQ(backend_->calls(kMethod), 3);
}

TEST_F(RetryingChannelTest, OtherFailuresAreNotRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::NOT_FOUND,
        grpc::StatusCode::DEADLINE_EXCEEDED, grpc::StatusCode::UNKNOWN}) {
    backend_->Push(kMethod, {.code = code, .message = "no"});
  }
  auto channel =
      Retrying({.max_attempts = 5, .initial_backoff = absl::Milliseconds(10)});
  for (int i = 1; i <= 4; ++i) {
    CallResult result = CallAndWait(*channel, Request());
    EXPECT_FALSE(result.status.ok());
    EXPECT_EQ(backend_->calls(kMethod), i);
  }
}

TEST_F(RetryingChannelTest, SpentBudgetStopsRetries) {
  backend_->SetDefault(kMethod, kUnavailable);
  auto channel =
      Retrying({.max_attempts = 5, .initial_backoff = absl::Milliseconds(5)},
               {.ratio = 0, .min_per_second = 0, .max_tokens = 2});
  CallAndWait(*channel, Request());
  EXPECT_EQ(backend_->calls(kMethod), 3);  // Two tokens: two retries.
  CallResult result = CallAndWait(*channel, Request());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(backend_->calls(kMethod), 4);  // None left.
}

TEST_F(RetryingChannelTest, RequestsRefillTheBudget) {
  backend_->Push(kMethod, kUnavailable, 1);
  auto channel =
      Retrying({.max_attempts = 2, .initial_backoff = absl::Milliseconds(5)},
               {.ratio = 0.5, .min_per_second = 0, .max_tokens = 1});
  // Spend the initial token.
  CallAndWait(*channel, Request());
  EXPECT_EQ(backend_->calls(kMethod), 2);
  // Two more requests deposit one token: the next failure is retried.
  CallAndWait(*channel, Request());
  backend_->Push(kMethod, kUnavailable, 1);
  ASSERT_TRUE(CallAndWait(*channel, Request()).status.ok());
  EXPECT_EQ(backend_->calls(kMethod), 5);
}

TEST_F(RetryingChannelTest, NoRetryWhoseBackoffEndsAfterTheDeadline) {
  backend_->SetDefault(kMethod, kUnavailable);
  auto channel =
      Retrying({.max_attempts = 5, .initial_backoff = absl::Milliseconds(200)});
  // Backoffs (+-20%): 160..240 ms, 320..480 ms, then 640..960 ms, which
  // always ends after the 1 s deadline.
  const absl::Time start = absl::Now();
  CallResult result = CallAndWait(*channel, Request(absl::Seconds(1)));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(backend_->calls(kMethod), 3);
  EXPECT_GE(took, absl::Milliseconds(480));
  EXPECT_LT(took, absl::Seconds(1));
}

TEST_F(RetryingChannelTest, BackoffDoesNotBlockTheCallingThread) {
  backend_->Push(kMethod, kUnavailable, 1);
  auto channel =
      Retrying({.max_attempts = 2, .initial_backoff = absl::Milliseconds(300)});
  absl::Notification done;
  const absl::Time start = absl::Now();
  channel->Call(Request(), [&done](CallResult result) {
    EXPECT_TRUE(result.status.ok()) << result.status;
    done.Notify();
  });
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_FALSE(done.HasBeenNotified());
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(240));
  EXPECT_EQ(backend_->calls(kMethod), 2);
}

TEST_F(RetryingChannelTest, CancelledDuringBackoffCompletesCancelled) {
  backend_->SetDefault(kMethod, kUnavailable);
  auto channel =
      Retrying({.max_attempts = 3, .initial_backoff = absl::Milliseconds(200)});
  CallRequest request = Request();
  request.canceller = std::make_shared<CallCanceller>();
  auto canceller = request.canceller;
  absl::Notification done;
  absl::Status status;
  channel->Call(std::move(request), [&](CallResult result) {
    status = result.status;
    done.Notify();
  });
  // Wait (bounded) for the first attempt, then cancel during the backoff.
  for (absl::Time until = absl::Now() + absl::Seconds(10);
       backend_->calls(kMethod) == 0 && absl::Now() < until;) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  canceller->Cancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(backend_->calls(kMethod), 1);
}

TEST(RetryBudgetTest, TokensComeFromRequestsAndTimeUpToTheCap) {
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  RetryBudget budget({.ratio = 0.2, .min_per_second = 1, .max_tokens = 2}, t0);
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_FALSE(budget.TryRetry(t0));
  for (int i = 0; i < 5; ++i) budget.OnRequest(t0);  // 5 x 0.2 = 1 token.
  EXPECT_TRUE(budget.TryRetry(t0));
  EXPECT_FALSE(budget.TryRetry(t0));
  EXPECT_FALSE(budget.TryRetry(t0 + absl::Milliseconds(900)));
  EXPECT_TRUE(budget.TryRetry(t0 + absl::Seconds(1)));
  // At most max_tokens accumulate, however long it waits.
  const absl::Time later = t0 + absl::Hours(1);
  EXPECT_TRUE(budget.TryRetry(later));
  EXPECT_TRUE(budget.TryRetry(later));
  EXPECT_FALSE(budget.TryRetry(later));
}

TEST(TimerQueueTest, RunsCallbacksInTimeOrderAndNotEarly) {
  TimerQueue timers;
  absl::Mutex mu;
  std::vector<int> order;
  absl::Notification done;
  const absl::Time start = absl::Now();
  absl::Time third_ran;
  timers.RunAt(start + absl::Milliseconds(60), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(3);
    third_ran = absl::Now();
    done.Notify();
  });
  timers.RunAt(start + absl::Milliseconds(20), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(2);
  });
  timers.RunAt(start - absl::Seconds(1), [&] {
    absl::MutexLock lock(&mu);
    order.push_back(1);
  });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  absl::MutexLock lock(&mu);
  EXPECT_THAT(order, ::testing::ElementsAre(1, 2, 3));
  EXPECT_GE(third_ran - start, absl::Milliseconds(60));
}

TEST(TimerQueueTest, DestructorRunsPendingCallbacksAtOnce) {
  std::atomic<int> ran{0};
  const absl::Time start = absl::Now();
  {
    TimerQueue timers;
    timers.RunAt(absl::Now() + absl::Hours(1), [&] { ran.fetch_add(1); });
    timers.RunAt(absl::Now() + absl::Hours(2), [&] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 2);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(TimerQueueTest, MayBeDestroyedByItsOwnCallback) {
  auto timers = std::make_shared<std::unique_ptr<TimerQueue>>(
      std::make_unique<TimerQueue>());
  absl::Notification done;
  (*timers)->RunAt(absl::Now(), [timers, &done] {
    timers->reset();  // Destroys the queue on its own thread.
    done.Notify();
  });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace protogate::upstream::testing
