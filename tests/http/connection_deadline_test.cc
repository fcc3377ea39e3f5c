// ConnectionDeadline on a real io_context: when the callback runs, and that
// a cleared deadline or a gone owner leaves the loop without work.
#include "gateway/http/connection_deadline.h"

#include <boost/asio/io_context.hpp>
#include <memory>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace protogate::http {
namespace {

struct Owner {
  explicit Owner(boost::asio::io_context& ioc, absl::Duration period)
      : deadline(ioc.get_executor(), period) {}
  ConnectionDeadline deadline;
  int expired = 0;
};

std::shared_ptr<Owner> MakeOwner(boost::asio::io_context& ioc,
                                 absl::Duration period) {
  auto owner = std::make_shared<Owner>(ioc, period);
  owner->deadline.Start(owner, [o = owner.get()] { ++o->expired; });
  return owner;
}

TEST(ConnectionDeadlineTest, PassedDeadlineRunsTheCallbackOnce) {
  boost::asio::io_context ioc;
  auto owner = MakeOwner(ioc, absl::Milliseconds(5));
  owner->deadline.ExpireAfter(absl::Milliseconds(20));
  ioc.run();  // Returns once no wait is pending.
  EXPECT_EQ(owner->expired, 1);
  EXPECT_TRUE(owner->deadline.passed());
}

TEST(ConnectionDeadlineTest, ClearedDeadlineStopsTheTimerWithoutCallback) {
  boost::asio::io_context ioc;
  auto owner = MakeOwner(ioc, absl::Milliseconds(5));
  owner->deadline.ExpireAfter(absl::Milliseconds(20));
  owner->deadline.ExpireNever();
  ioc.run();
  EXPECT_EQ(owner->expired, 0);
  EXPECT_FALSE(owner->deadline.passed());
}

// The pending wait ends an hour from now; a shorter deadline must re-arm it
// (otherwise run() would not return within the test's timeout).
TEST(ConnectionDeadlineTest, ShorterDeadlineReArmsALongerWait) {
  boost::asio::io_context ioc;
  auto owner = MakeOwner(ioc, absl::InfiniteDuration());
  owner->deadline.ExpireAfter(absl::Hours(1));
  owner->deadline.ExpireAfter(absl::Milliseconds(10));
  ioc.run();
  EXPECT_EQ(owner->expired, 1);
}

TEST(ConnectionDeadlineTest, LongerDeadlineIsCheckedAgainAfterAShortWait) {
  boost::asio::io_context ioc;
  auto owner = MakeOwner(ioc, absl::Milliseconds(5));
  owner->deadline.ExpireAfter(absl::Milliseconds(5));
  owner->deadline.ExpireAfter(absl::Milliseconds(30));  // No re-arm.
  ioc.run();
  EXPECT_EQ(owner->expired, 1);
  EXPECT_TRUE(owner->deadline.passed());
}

TEST(ConnectionDeadlineTest, CancelLeavesNoWork) {
  boost::asio::io_context ioc;
  auto owner = MakeOwner(ioc, absl::Hours(1));
  owner->deadline.ExpireAfter(absl::Hours(1));
  owner->deadline.Cancel();
  ioc.run();
  EXPECT_EQ(owner->expired, 0);
}

// The owner (here a separate guard) goes while the wait is pending: the
// wake finds it gone and does nothing.
TEST(ConnectionDeadlineTest, GoneOwnerGetsNoCallback) {
  boost::asio::io_context ioc;
  ConnectionDeadline deadline(ioc.get_executor(), absl::Milliseconds(5));
  auto guard = std::make_shared<int>(0);
  int expired = 0;
  deadline.Start(guard, [&expired] { ++expired; });
  deadline.ExpireAfter(absl::Milliseconds(10));
  guard.reset();
  ioc.run();
  EXPECT_EQ(expired, 0);
}

}  // namespace
}  // namespace protogate::http
