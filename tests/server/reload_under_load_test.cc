// Reloads under load: the real gateway binary serves a steady stream of
// requests from several keep-alive connections while its configuration is
// reloaded — good and bad, by SIGHUP and by file change (config file and
// descriptor set). No request may fail, and every good reload must take
// effect.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tools/demo/demo_server.h"

namespace protogate::server {
namespace {

using ::protogate::testing::ChildProcess;

constexpr int kThreads = 4;
constexpr int kMaxRequestsPerThread = 20000;

// A config whose generation-specific parts are the path of Stats and a
// response header rule (both seen to change with each good reload), and the
// retry policy and budget (changed each time, so their reload is exercised).
std::string Config(const std::string& set, int generation) {
  return absl::StrCat(
      "descriptors:\n  descriptor_sets: [\"", set,
      "\"]\n  watch_interval: 0.2s\n"
      "http:\n  rules:\n"
      "    - selector: demo.bookstore.v1.Bookstore.Stats\n"
      "      get: /v1/stats-",
      generation, "\nheaders:\n  response: [{name: x-generation, set: \"",
      generation,
      "\"}]\nmethod_defaults:\n  retries: {max_attempts: ", 1 + generation % 4,
      "}\nretry_budget: {max_tokens: ", 10 + generation, "}\n");
}

// Rewrites the file in place (truncate, then write).
void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Replaces the file atomically, as editors and config managers do.
void Replace(const std::string& path, const std::string& bytes) {
  Write(path + ".tmp", bytes);
  std::filesystem::rename(path + ".tmp", path);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Keeps GET /v1/shelves/1 going on one keep-alive connection per thread
// until stopped (or a bound), counting answers that are not 200.
class Load {
 public:
  explicit Load(int port) {
    for (int i = 0; i < kThreads; ++i) {
      threads_.emplace_back([this, port] { Run(port); });
    }
  }
  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) t.join();
  }
  int ok() const { return ok_.load(); }
  int failed() const { return failed_.load(); }
  std::string first_failure() {
    absl::MutexLock lock(&mu_);
    return first_failure_;
  }

 private:
  void Run(int port) {
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    auto conn = protogate::testing::HttpConnection::Connect(port);
    for (int i = 0; i < kMaxRequestsPerThread && !stop_.load() &&
                    absl::Now() < give_up && conn.ok();
         ++i) {
      auto r =
          (*conn)->RoundTrip("GET /v1/shelves/1 HTTP/1.1\r\nHost: gw\r\n\r\n");
      if (r.ok() && r->status == 200) {
        ok_.fetch_add(1);
        continue;
      }
      failed_.fetch_add(1);
      absl::MutexLock lock(&mu_);
      if (first_failure_.empty()) {
        first_failure_ = r.ok() ? absl::StrCat(r->status, " ", r->body)
                                : std::string(r.status().message());
      }
      conn = protogate::testing::HttpConnection::Connect(port);
    }
    if (!conn.ok()) failed_.fetch_add(1);
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ok_{0};
  std::atomic<int> failed_{0};
  absl::Mutex mu_;
  std::string first_failure_ ABSL_GUARDED_BY(mu_);
};

class ReloadUnderLoadTest : public ::testing::Test {
 protected:
  // Reads stderr (bounded) until a line contains `text`.
  void WaitForLog(const std::string& text) {
    while (true) {
      auto line = gateway_->ReadStderrLine(absl::Seconds(20));
      ASSERT_TRUE(line.ok())
          << "waiting for \"" << text << "\": " << line.status();
      if (absl::StrContains(*line, text)) return;
    }
  }

  int Status(const std::string& path) {
    auto r = protogate::testing::Fetch(port_, "GET", path);
    return r.ok() ? r->status : -1;
  }

  // The x-generation response header the current header rules set.
  std::string Generation() {
    auto r = protogate::testing::Fetch(port_, "GET", "/v1/shelves/1");
    return r.ok() ? r->Header("x-generation") : "";
  }

  std::unique_ptr<ChildProcess> gateway_;
  int port_ = 0;
};

TEST_F(ReloadUnderLoadTest, GoodAndBadReloadsBySighupAndFileChangeLoseNothing) {
  const std::string dir = ::testing::TempDir() + "/reload_under_load";
  std::filesystem::create_directories(dir);
  const std::string set = dir + "/bookstore.binpb";
  const std::string good_set =
      ReadAll(protogate::testing::BinDir() + "/proto/bookstore.binpb");
  Write(set, good_set);
  const std::string config = dir + "/gw.yaml";
  Write(config, Config(set, 1));
  auto backend = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(backend.ok());
  auto gateway = ChildProcess::Start(
      {protogate::testing::BinDir() + "/gateway/server/protogate", "--config",
       config, "--listen", "127.0.0.1:0", "--io_threads", "2", "--backend",
       "demo.bookstore=" + (*backend)->address()});
  ASSERT_TRUE(gateway.ok());
  gateway_ = *std::move(gateway);
  auto line = gateway_->ReadStdoutLine(absl::Seconds(30));
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port_));
  ASSERT_EQ(Status("/v1/stats-1"), 200);
  EXPECT_EQ(Generation(), "1");

  Load load(port_);
  // 1. Good, by SIGHUP.
  Replace(config, Config(set, 2));
  gateway_->Signal(SIGHUP);
  WaitForLog("reloaded (SIGHUP)");
  EXPECT_EQ(Status("/v1/stats-2"), 200);
  EXPECT_EQ(Status("/v1/stats-1"), 404);
  EXPECT_EQ(Generation(), "2");
  // 2. Bad, by SIGHUP: generation 2 keeps serving.
  Replace(config, "http: {rules: [\n");
  gateway_->Signal(SIGHUP);
  WaitForLog("reload rejected (SIGHUP)");
  EXPECT_EQ(Status("/v1/stats-2"), 200);
  // 3. Good, by a change of the config file.
  Replace(config, Config(set, 3));
  WaitForLog("reloaded (file change)");
  EXPECT_EQ(Status("/v1/stats-3"), 200);
  EXPECT_EQ(Status("/v1/stats-2"), 404);
  EXPECT_EQ(Generation(), "3");
  // 4. Bad, by a change of the descriptor set; then repaired.
  Write(set, "not a descriptor set");
  WaitForLog("reload rejected (file change)");
  EXPECT_EQ(Status("/v1/stats-3"), 200);
  Write(set, good_set);
  WaitForLog("reloaded (file change)");
  // 5. Good, by SIGHUP once more.
  Replace(config, Config(set, 5));
  gateway_->Signal(SIGHUP);
  WaitForLog("reloaded (SIGHUP)");
  EXPECT_EQ(Status("/v1/stats-5"), 200);
  EXPECT_EQ(Generation(), "5");
  const int ok_during_reloads = load.ok();
  load.Stop();

  EXPECT_EQ(load.failed(), 0) << load.first_failure();
  RecordProperty("requests_during_reloads", ok_during_reloads);
  EXPECT_GT(ok_during_reloads, 100);  // The load overlapped the reloads.
  gateway_->Signal(SIGTERM);
  auto code = gateway_->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server
