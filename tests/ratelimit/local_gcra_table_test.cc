// LocalGcraTable: exact GCRA boundaries on a fake clock, one limit across
// threads, and bounded memory under a flood of keys.
#include "gateway/ratelimit/local_gcra_table.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/fake_clock.h"

namespace protogate::ratelimit {
namespace {

TEST(LocalGcraTableTest, TenPerSecondBurstTenIsExactAtTheBoundaries) {
  FakeClock clock;
  LocalGcraTable table(GcraRate::Of(10, absl::Seconds(1), 10), 1024, clock);
  for (int i = 0; i < 10; ++i) {
    GcraDecision d = table.Decide("k");
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 9 - i);
  }
  GcraDecision eleventh = table.Decide("k");
  EXPECT_FALSE(eleventh.allowed);
  EXPECT_EQ(eleventh.remaining, 0);
  EXPECT_EQ(eleventh.retry_after_ns,
            absl::ToInt64Nanoseconds(absl::Milliseconds(100)));
  clock.Advance(absl::Milliseconds(99));
  EXPECT_FALSE(table.Decide("k").allowed);
  clock.Advance(absl::Milliseconds(1));
  GcraDecision after = table.Decide("k");
  EXPECT_TRUE(after.allowed);
  EXPECT_EQ(after.remaining, 0);
  EXPECT_EQ(CeilSeconds(after.reset_ns), 1);
  EXPECT_FALSE(table.Decide("k").allowed);
}

TEST(LocalGcraTableTest, KeysHaveTheirOwnBuckets) {
  FakeClock clock;
  LocalGcraTable table(GcraRate::Of(1, absl::Seconds(60), 1), 1024, clock);
  EXPECT_TRUE(table.Decide("a").allowed);
  EXPECT_FALSE(table.Decide("a").allowed);
  EXPECT_TRUE(table.Decide("b").allowed);
  clock.Advance(absl::Seconds(60));
  EXPECT_TRUE(table.Decide("a").allowed);
}

TEST(LocalGcraTableTest, ThreadsShareOneExactLimit) {
  FakeClock clock;  // Time stands still: exactly `burst` requests pass.
  LocalGcraTable table(GcraRate::Of(100, absl::Seconds(1), 500), 1024, clock);
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (table.Decide("shared").allowed) passed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 500);
}

TEST(LocalGcraTableTest, AFloodOfDistinctKeysDoesNotGrowMemory) {
  FakeClock clock;
  LocalGcraTable table(GcraRate::Of(10, absl::Seconds(1), 10), 1024, clock);
  const size_t capacity = table.capacity();
  // A busy key uses its whole burst first.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(table.Decide("hot").allowed);
  for (int i = 0; i < 200000; ++i) {
    ASSERT_TRUE(table.Decide(absl::StrCat("flood-", i)).allowed);
  }
  EXPECT_EQ(table.capacity(), capacity);
  EXPECT_LE(table.BusyKeys(), capacity);
  EXPECT_GT(table.evictions(), 0u);
  // The busy key was not the one forgotten: it is still limited.
  EXPECT_FALSE(table.Decide("hot").allowed);
}

TEST(LocalGcraTableTest, IdleKeysMakeRoomWithoutEvictions) {
  FakeClock clock;
  LocalGcraTable table(GcraRate::Of(10, absl::Seconds(1), 10), 256, clock);
  // 1280 keys in all, 32 at a time: the table holds them by reusing the
  // slots of idle ones.
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 32; ++i) {
      ASSERT_TRUE(table.Decide(absl::StrCat(round, "-", i)).allowed);
    }
    clock.Advance(absl::Milliseconds(100));  // Every bucket is full again.
  }
  EXPECT_EQ(table.evictions(), 0u);
}

}  // namespace
}  // namespace protogate::ratelimit
