// The real `protogate` binary with telemetry in its --config file: the
// access log is written and reopened on SIGUSR1 (logrotate's way), the
// admin listener serves /-/metrics, and a SIGHUP reload is counted.
#include <signal.h>
#include <stdio.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"

namespace protogate::server {
namespace {

using testing::ChildProcess;
using ::testing::HasSubstr;

// Reads "<prefix>HOST:PORT" from the child and returns PORT.
int ReadPort(ChildProcess& child, const std::string& prefix) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return 0;
  EXPECT_TRUE(absl::StartsWith(*line, prefix)) << *line;
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port))
      << *line;
  return port;
}

// The file's text once it has `lines` lines (waits at most 10 s).
std::string WaitForLines(const std::string& path, int lines) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::string text;
  while (absl::Now() < deadline) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    text = s.str();
    if (std::count(text.begin(), text.end(), '\n') >= lines) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return text;
}

// The scrape once it contains `needle` (waits at most 10 s).
std::string WaitForMetric(int port, const std::string& needle) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  std::string body;
  while (absl::Now() < deadline) {
    auto r = testing::Fetch(port, "GET", "/-/metrics");
    body = r.ok() ? r->body : "";
    if (absl::StrContains(body, needle)) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return body;
}

TEST(CliTelemetryTest, AccessLogReopensOnSigusr1AndMetricsOnAdmin) {
  auto backend =
      ChildProcess::Start({testing::BinDir() + "/tools/demo/demo_bookstore",
                           "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(backend.ok());
  const int backend_port = ReadPort(**backend, "listening on ");
  ASSERT_GT(backend_port, 0);
  const std::string dir = ::testing::TempDir();
  const std::string log = dir + "/cli_access.log";
  std::remove(log.c_str());
  std::remove((log + ".1").c_str());
  const std::string config = dir + "/cli_telemetry.yaml";
  std::ofstream(config) << absl::StrCat(
      "descriptors: {descriptor_sets: [\"", testing::BinDir(),
      "/proto/bookstore.binpb\"]}\n",
      "clusters: [{name: books, endpoints: [\"127.0.0.1:", backend_port,
      "\"]}]\n", "routes: [{service: demo.bookstore, cluster: books}]\n",
      "admin: {listen: \"127.0.0.1:0\"}\n", "logging: {access_log: {path: \"",
      log, "\"}}\n", "tracing: {sample_ratio: 0}\n");
  auto gateway =
      ChildProcess::Start({testing::BinDir() + "/gateway/server/protogate",
                           "--config", config, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(gateway.ok());
  const int port = ReadPort(**gateway, "protogate listening on http://");
  const int admin = ReadPort(**gateway, "protogate admin listening on http://");
  ASSERT_GT(port, 0);
  ASSERT_GT(admin, 0);

  auto r = testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_THAT(WaitForLines(log, 1),
              HasSubstr("\"route\":\"demo.bookstore.v1.Bookstore/GetShelf\""));

  // logrotate moves the file, then signals.
  ASSERT_EQ(std::rename(log.c_str(), (log + ".1").c_str()), 0);
  (*gateway)->Signal(SIGUSR1);
  // The reopen happens on the writer thread: requests until one lands.
  std::string reopened;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline && reopened.empty()) {
    ASSERT_TRUE(testing::Fetch(port, "GET", "/v1/shelves/1").ok());
    reopened = WaitForLines(log, 1);
  }
  EXPECT_THAT(reopened, HasSubstr("\"path\":\"/v1/shelves/1\""));
  EXPECT_THAT(WaitForLines(log + ".1", 1), HasSubstr("/v1/shelves/2"));

  // /-/metrics is on the admin listener only.
  EXPECT_EQ(testing::Fetch(port, "GET", "/-/metrics")->status, 404);
  EXPECT_THAT(
      WaitForMetric(admin, "protogate_http_requests_total"),
      HasSubstr("protogate_http_requests_total{route=\"demo.bookstore.v1."
                "Bookstore/GetShelf\",method=\"GET\",code=\"200\"}"));
  (*gateway)->Signal(SIGHUP);
  EXPECT_THAT(WaitForMetric(admin, "protogate_config_reloads_total{"),
              HasSubstr("protogate_config_reloads_total{trigger=\"SIGHUP\","
                        "result=\"ok\"} 1\n"));

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server
