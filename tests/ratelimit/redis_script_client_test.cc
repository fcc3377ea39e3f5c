// RedisScriptClient against a real redis-server: EVALSHA, batches of
// concurrent calls, reload after NOSCRIPT, the timeout while Redis stalls,
// fail-fast while it is down, recovery after a restart, and TCP.
#include "gateway/ratelimit/redis_script_client.h"

#include <hiredis/hiredis.h>

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/redis_server.h"
#include "tests/testing/free_port.h"

namespace protogate::ratelimit {
namespace {

// Per key: its argument * 10, + 1 for the key "k".
constexpr char kScript[] = R"lua(
local answers = {}
for i = 1, #KEYS do
  answers[i] = tonumber(ARGV[i]) * 10 + (KEYS[i] == 'k' and 1 or 0)
end
return answers
)lua";
constexpr absl::Duration kTimeout = absl::Milliseconds(200);
// Scheduling slack on a loaded test machine, on top of the timeout.
constexpr absl::Duration kSlack = absl::Milliseconds(300);

struct Result {
  RedisScriptClient::Reply reply = absl::UnknownError("no reply");
  absl::Duration waited;
};

Result RunOnce(RedisScriptClient& client, const std::string& arg) {
  Result result;
  absl::Notification done;
  const absl::Time start = absl::Now();
  const auto args = RedisScriptClient::Arguments::Of({arg});
  client.Run("k", args, [&](RedisScriptClient::Reply reply) {
    result.reply = std::move(reply);
    result.waited = absl::Now() - start;
    done.Notify();
  });
  done.WaitForNotification();
  return result;
}

// Runs until a call succeeds, for at most 10 s.
bool RecoversWithin10s(RedisScriptClient& client) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (RunOnce(client, "1").reply.ok()) return true;
  }
  return false;
}

std::unique_ptr<RedisScriptClient> MakeClient(
    const std::string& address, absl::Duration timeout = kTimeout) {
  auto client = RedisScriptClient::Create(
      {.address = address, .timeout = timeout, .script = kScript});
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? *std::move(client) : nullptr;
}

TEST(RedisScriptClientTest, RunsTheScriptAndReloadsItAfterScriptFlush) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  auto client = MakeClient(redis.address());
  ASSERT_TRUE(RecoversWithin10s(*client));
  Result r = RunOnce(*client, "41");
  ASSERT_TRUE(r.reply.ok()) << r.reply.status();
  EXPECT_EQ(*r.reply, 411);

  redisContext* admin = redisConnectUnix(redis.socket().c_str());
  ASSERT_TRUE(admin != nullptr && admin->err == 0);
  freeReplyObject(redisCommand(admin, "SCRIPT FLUSH"));
  redisFree(admin);
  r = RunOnce(*client, "1");  // NOSCRIPT, SCRIPT LOAD, EVALSHA again.
  ASSERT_TRUE(r.reply.ok()) << r.reply.status();
  EXPECT_EQ(*r.reply, 11);
  EXPECT_EQ(client->failures(), 0u);
}

TEST(RedisScriptClientTest, RunsOverTcpTryingEachAddressOfTheName) {
  testing::RedisServer redis;
  const int port = testing::FreeTcpPort();
  ASSERT_GT(port, 0);
  ASSERT_TRUE(redis.Start(port).ok());
  // "localhost" may name ::1 first, where nothing listens.
  auto client = MakeClient("localhost:" + std::to_string(port));
  ASSERT_TRUE(RecoversWithin10s(*client));
  Result r = RunOnce(*client, "41");
  ASSERT_TRUE(r.reply.ok()) << r.reply.status();
  EXPECT_EQ(*r.reply, 411);
}

// Arguments "0".."n-1", one per call.
std::vector<RedisScriptClient::Arguments> NumberedArgs(int n) {
  std::vector<RedisScriptClient::Arguments> args;
  for (int i = 0; i < n; ++i) {
    args.push_back(RedisScriptClient::Arguments::Of({std::to_string(i)}));
  }
  return args;
}

// What the test script answers call i of RunConcurrently(NumberedArgs()):
// its argument times ten, plus one on key "k" (the even calls).
int64_t NumberedAnswer(int i) { return i * 10 + (i % 2 == 0 ? 1 : 0); }

// Runs kCalls calls posted back to back (alternating keys "k" and "other"):
// they reach the client's loop in one turn or a few, so they share EVALSHA
// commands. Returns each call's answer (-2: an error).
std::vector<int64_t> RunConcurrently(
    RedisScriptClient& client,
    const std::vector<RedisScriptClient::Arguments>& args) {
  absl::Mutex mu;
  std::vector<int64_t> answers(args.size(), -1);
  size_t pending = args.size();
  for (size_t i = 0; i < args.size(); ++i) {
    client.Run(i % 2 == 0 ? "k" : "other", args[i],
               [&, i](RedisScriptClient::Reply reply) {
                 absl::MutexLock lock(&mu);
                 answers[i] = reply.ok() ? *reply : -2;
                 --pending;
               });
  }
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](size_t* p) { return *p == 0; }, &pending));
  return answers;
}

TEST(RedisScriptClientTest, ConcurrentCallsEachGetTheirOwnAnswer) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  auto client = MakeClient(redis.address());
  ASSERT_TRUE(RecoversWithin10s(*client));
  constexpr int kCalls = 200;
  const std::vector<RedisScriptClient::Arguments> args = NumberedArgs(kCalls);
  std::vector<int64_t> answers = RunConcurrently(*client, args);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(answers[i], NumberedAnswer(i)) << "call " << i;
  }
  // The server forgets the script: the batches in flight reload it and are
  // repeated once, each call still gets its own answer.
  redisContext* admin = redisConnectUnix(redis.socket().c_str());
  ASSERT_TRUE(admin != nullptr && admin->err == 0);
  freeReplyObject(redisCommand(admin, "SCRIPT FLUSH"));
  redisFree(admin);
  answers = RunConcurrently(*client, args);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(answers[i], NumberedAnswer(i)) << "call " << i;
  }
  EXPECT_EQ(client->failures(), 0u);
}

// A command larger than the socket takes at once (written as the socket
// drains), and batches whose replies exceed one read of the client.
TEST(RedisScriptClientTest, LargeCommandsAndRepliesCrossSocketBuffers) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  // What is checked is the framing across partial reads and writes, not
  // the deadline: an 8 MiB script call may take longer than kTimeout on a
  // loaded 2-core machine.
  auto client = MakeClient(redis.address(), absl::Seconds(30));
  ASSERT_TRUE(RecoversWithin10s(*client));
  const std::string big_key(8 << 20, 'x');
  const auto seven = RedisScriptClient::Arguments::Of({"7"});
  absl::Notification done;
  RedisScriptClient::Reply big = absl::UnknownError("no reply");
  client->Run(big_key, seven, [&](RedisScriptClient::Reply reply) {
    big = std::move(reply);
    done.Notify();
  });
  done.WaitForNotification();
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(*big, 70);

  constexpr int kCalls = 5000;  // Replies of ~10 bytes each: > 16 KiB.
  std::vector<int64_t> answers = RunConcurrently(*client, NumberedArgs(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_EQ(answers[i], NumberedAnswer(i)) << "call " << i;
  }
  EXPECT_EQ(client->failures(), 0u);
}

TEST(RedisScriptClientTest, DownRedisFailsWithinTheTimeoutAndARestartRecovers) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  auto client = MakeClient(redis.address());
  ASSERT_TRUE(RecoversWithin10s(*client));
  ::testing::internal::CaptureStderr();
  redis.Kill();
  for (int i = 0; i < 50; ++i) {
    Result r = RunOnce(*client, "1");
    ASSERT_FALSE(r.reply.ok());
    EXPECT_TRUE(absl::IsUnavailable(r.reply.status()) ||
                absl::IsDeadlineExceeded(r.reply.status()))
        << r.reply.status();
    EXPECT_LE(r.waited, kTimeout + kSlack);
  }
  EXPECT_GE(client->failures(), 50u);
  ASSERT_TRUE(redis.Start().ok());
  EXPECT_TRUE(RecoversWithin10s(*client));
  // One warning for the whole outage, one line for its end.
  const std::string log = ::testing::internal::GetCapturedStderr();
  int lines = 0;
  for (size_t at = log.find("rate_limits.redis "); at != std::string::npos;
       at = log.find("rate_limits.redis ", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2) << log;
  EXPECT_NE(log.find("reachable again"), std::string::npos) << log;
}

TEST(RedisScriptClientTest, AStalledRedisTimesOutAndThenAnswersAgain) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  auto client = MakeClient(redis.address());
  ASSERT_TRUE(RecoversWithin10s(*client));
  redis.Pause();
  Result r = RunOnce(*client, "1");
  EXPECT_TRUE(absl::IsDeadlineExceeded(r.reply.status())) << r.reply.status();
  EXPECT_GE(r.waited, kTimeout);
  EXPECT_LE(r.waited, kTimeout + kSlack);
  redis.Resume();
  EXPECT_TRUE(RecoversWithin10s(*client));
}

TEST(RedisScriptClientTest, RefusesAMalformedAddress) {
  auto client = RedisScriptClient::Create(
      {.address = "nowhere", .timeout = kTimeout, .script = kScript});
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace protogate::ratelimit
