// RedisScriptClient against a real redis-server: EVALSHA, batches of
// concurrent calls (one in flight per connection), reload after NOSCRIPT,
// the timeout while Redis stalls, fail-fast while it is down, and recovery
// after a restart.
#include "gateway/ratelimit/redis_script_client.h"

#include <hiredis/hiredis.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/base/io_thread.h"
#include "gtest/gtest.h"
#include "tests/ratelimit/redis_server.h"

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

std::unique_ptr<RedisScriptClient> MakeClient(const std::string& address) {
  auto client = RedisScriptClient::Create(
      {.address = address, .timeout = kTimeout, .script = kScript});
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
  std::vector<RedisScriptClient::Arguments> args;
  for (int i = 0; i < kCalls; ++i) {
    args.push_back(RedisScriptClient::Arguments::Of({std::to_string(i)}));
  }
  std::vector<int64_t> answers = RunConcurrently(*client, args);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(answers[i], i * 10 + (i % 2 == 0 ? 1 : 0)) << "call " << i;
  }
  // The server forgets the script: the batches in flight reload it and are
  // repeated once, each call still gets its own answer.
  redisContext* admin = redisConnectUnix(redis.socket().c_str());
  ASSERT_TRUE(admin != nullptr && admin->err == 0);
  freeReplyObject(redisCommand(admin, "SCRIPT FLUSH"));
  redisFree(admin);
  answers = RunConcurrently(*client, args);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(answers[i], i * 10 + (i % 2 == 0 ? 1 : 0)) << "call " << i;
  }
  EXPECT_EQ(client->failures(), 0u);
}

// Runs `command` on the server at `socket` on a connection of its own.
std::string AdminCommand(const std::string& socket, const char* command) {
  redisContext* admin = redisConnectUnix(socket.c_str());
  if (admin == nullptr || admin->err != 0) return "no connection";
  auto* reply = static_cast<redisReply*>(redisCommand(admin, command));
  std::string text =
      reply != nullptr && reply->str != nullptr ? reply->str : "";
  freeReplyObject(reply);
  redisFree(admin);
  return text;
}

// While an EVALSHA is in flight (the server stalled), the calls that come
// in later loop turns wait for its answer and then go as ONE more EVALSHA.
TEST(RedisScriptClientTest, CallsWhileABatchIsInFlightGoAsOneMoreBatch) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.Start().ok());
  auto client = RedisScriptClient::Create({.address = redis.address(),
                                           .timeout = absl::Seconds(60),
                                           .script = kScript});
  ASSERT_TRUE(client.ok()) << client.status();
  boost::asio::io_context ioc;
  auto work = boost::asio::make_work_guard(ioc);
  std::thread loop([&] {
    const base::ScopedIoThread registration(&ioc, nullptr);
    ioc.run();
  });
  const auto args = RedisScriptClient::Arguments::Of({"1"});
  struct Answers {
    absl::Mutex mu;
    std::vector<int64_t> values ABSL_GUARDED_BY(mu);
    size_t wanted ABSL_GUARDED_BY(mu) = 0;
    bool Enough() const ABSL_SHARED_LOCKS_REQUIRED(mu) {
      return values.size() >= wanted;
    }
  } answers;
  auto run = [&](const char* key) {
    (*client)->Run(key, args, [&](RedisScriptClient::Reply reply) {
      absl::MutexLock lock(&answers.mu);
      answers.values.push_back(reply.ok() ? *reply : -2);
    });
  };
  auto await = [&](size_t n) {
    absl::MutexLock lock(&answers.mu);
    answers.wanted = n;
    answers.mu.Await(absl::Condition(&answers, &Answers::Enough));
  };
  boost::asio::post(ioc, [&] { run("k"); });  // Connects, loads the script.
  await(1);
  AdminCommand(redis.socket(), "CONFIG RESETSTAT");
  redis.Pause();
  absl::Notification queued;
  // Each handler runs after the flush handler its predecessor's call posted.
  boost::asio::post(ioc, [&] {
    run("k");  // In flight from the flush handler on.
    boost::asio::post(ioc, [&] {
      run("other");
      boost::asio::post(ioc, [&] {
        run("k");
        boost::asio::post(ioc, [&] {
          run("other");
          queued.Notify();
        });
      });
    });
  });
  queued.WaitForNotification();
  redis.Resume();
  await(5);
  {
    absl::MutexLock lock(&answers.mu);
    EXPECT_EQ(answers.values, (std::vector<int64_t>{11, 11, 10, 11, 10}));
  }
  const std::string stats = AdminCommand(redis.socket(), "INFO commandstats");
  EXPECT_NE(stats.find("cmdstat_evalsha:calls=2,"), std::string::npos) << stats;
  boost::asio::post(ioc, [] { base::DrainIoThreadResidents(); });
  work.reset();
  loop.join();
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
