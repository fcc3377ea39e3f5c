// CallDeadlines on a real io_context: which calls it ends, in which order,
// and that removed, destroyed or cancelled ones leave no callback or work.
#include "gateway/upstream/call_deadlines.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace protogate::upstream {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::hours;
using std::chrono::milliseconds;

std::vector<const H2Call*>& Expired() {
  static std::vector<const H2Call*> expired;
  return expired;
}

void Record(H2Call& call) { Expired().push_back(&call); }

class CallDeadlinesTest : public ::testing::Test {
 protected:
  void SetUp() override { Expired().clear(); }

  std::shared_ptr<H2Call> Call(Clock::duration in) {
    auto call = std::make_shared<H2Call>(ioc_);
    call->deadline = Clock::now() + in;
    return call;
  }

  boost::asio::io_context ioc_;
  std::shared_ptr<CallDeadlines> deadlines_ =
      std::make_shared<CallDeadlines>(ioc_, &Record);
};

TEST_F(CallDeadlinesTest, EndsPassedCallsInDeadlineOrder) {
  auto late = Call(milliseconds(30));
  auto early = Call(milliseconds(10));
  auto middle = Call(milliseconds(20));
  deadlines_->Add(*late);
  deadlines_->Add(*early);  // Before the tail: linked in order.
  deadlines_->Add(*middle);
  ioc_.run();  // Returns once every deadline passed.
  ASSERT_EQ(Expired().size(), 3u);
  EXPECT_EQ(Expired()[0], early.get());
  EXPECT_EQ(Expired()[1], middle.get());
  EXPECT_EQ(Expired()[2], late.get());
  EXPECT_EQ(early->deadlines, nullptr);  // Unlinked before `expire`.
}

TEST_F(CallDeadlinesTest, RemovedCallIsNotEnded) {
  auto kept = Call(milliseconds(10));
  auto removed = Call(milliseconds(5));
  deadlines_->Add(*removed);
  deadlines_->Add(*kept);
  deadlines_->Remove(*removed);
  deadlines_->Remove(*removed);  // Not listed any more: nothing.
  ioc_.run();
  ASSERT_EQ(Expired().size(), 1u);
  EXPECT_EQ(Expired()[0], kept.get());
}

// The pending wait ends in an hour; the earlier call must re-arm it
// (otherwise run() would not return within the test's timeout).
TEST_F(CallDeadlinesTest, EarlierCallReArmsALaterWait) {
  auto later = Call(hours(1));
  auto sooner = Call(milliseconds(10));
  deadlines_->Add(*later);
  deadlines_->Add(*sooner);
  // The re-armed wait's aborted completion, then the wake at `sooner`'s
  // deadline.
  while (Expired().empty() && ioc_.run_one() > 0) {
  }
  ASSERT_EQ(Expired().size(), 1u);
  EXPECT_EQ(Expired()[0], sooner.get());
  EXPECT_EQ(later->deadlines, deadlines_.get());
  deadlines_->Cancel();
  ioc_.run();  // No work left.
  EXPECT_EQ(Expired().size(), 1u);
}

TEST_F(CallDeadlinesTest, DestroyedCallLeavesTheList) {
  auto kept = Call(milliseconds(10));
  auto gone = Call(milliseconds(5));
  deadlines_->Add(*gone);
  deadlines_->Add(*kept);
  gone.reset();
  ioc_.run();
  ASSERT_EQ(Expired().size(), 1u);
  EXPECT_EQ(Expired()[0], kept.get());
}

TEST_F(CallDeadlinesTest, DestroyedListUnlinksItsCalls) {
  auto call = Call(hours(1));
  deadlines_->Add(*call);
  deadlines_.reset();
  EXPECT_EQ(call->deadlines, nullptr);
  ioc_.run();  // The timer's handler finds the list gone.
  EXPECT_TRUE(Expired().empty());
}

}  // namespace
}  // namespace protogate::upstream
