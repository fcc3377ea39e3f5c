// The real `protogate` binary with a --config file that has clusters and
// routes in front of real demo_bookstore processes: serving, /-/readyz
// following the health checks, and SIGHUP building new clusters.
#include <signal.h>

#include <fstream>
#include <memory>
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

std::unique_ptr<ChildProcess> StartBackend(int& port) {
  auto backend =
      ChildProcess::Start({testing::BinDir() + "/tools/demo/demo_bookstore",
                           "--listen", "127.0.0.1:0"});
  EXPECT_TRUE(backend.ok());
  if (!backend.ok()) return nullptr;
  port = ReadPort(**backend, "listening on ");
  return *std::move(backend);
}

void WriteConfig(const std::string& path, int backend_port) {
  std::ofstream(path) << absl::StrCat(R"(
descriptors: {descriptor_sets: [")",
                                      testing::BinDir(),
                                      R"(/proto/bookstore.binpb"]}
clusters:
  - name: books
    endpoints: ["127.0.0.1:)",
                                      backend_port, R"("]
    health_check: {interval: 0.05s, timeout: 0.05s, unhealthy_threshold: 2,
                   healthy_threshold: 1}
routes: [{service: demo.bookstore, cluster: books}]
)");
}

// Polls GET `target` until it answers `status`, for at most 10 s.
int WaitForStatus(int port, const std::string& target, int status) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int last = 0;
  while (absl::Now() < deadline) {
    auto r = testing::Fetch(port, "GET", target);
    last = r.ok() ? r->status : 0;
    if (last == status) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return last;
}

TEST(CliClustersTest, ServesFromAConfigClusterAndReloadsIt) {
  int first_port = 0;
  std::unique_ptr<ChildProcess> first = StartBackend(first_port);
  ASSERT_GT(first_port, 0);
  const std::string config = ::testing::TempDir() + "/cli_clusters.yaml";
  WriteConfig(config, first_port);
  auto gateway =
      ChildProcess::Start({testing::BinDir() + "/gateway/server/protogate",
                           "--config", config, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(gateway.ok());
  const int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0);

  auto r = testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(WaitForStatus(port, "/-/readyz", 200), 200);

  // The backend dies: the checks mark it unhealthy, readyz says 503.
  first->Signal(SIGKILL);
  ASSERT_TRUE(first->Wait(absl::Seconds(10)).ok());
  EXPECT_EQ(WaitForStatus(port, "/-/readyz", 503), 503);
  r = testing::Fetch(port, "GET", "/-/readyz");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->body, HasSubstr(R"(cluster \"books\")"));

  // A reload points the cluster at a new backend.
  int second_port = 0;
  std::unique_ptr<ChildProcess> second = StartBackend(second_port);
  ASSERT_GT(second_port, 0);
  WriteConfig(config, second_port);
  (*gateway)->Signal(SIGHUP);
  EXPECT_EQ(WaitForStatus(port, "/v1/shelves/2", 200), 200);
  EXPECT_EQ(WaitForStatus(port, "/-/readyz", 200), 200);

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

// Two backends in one cluster; one is stopped (SIGSTOP: it accepts nothing
// and answers nothing, the hardest failure to see). The health checks time
// out, the endpoint is skipped, and every request is served by the other at
// once instead of waiting for its deadline; resumed, it serves again.
TEST(CliClustersTest, AStoppedBackendIsSkippedAfterTheChecks) {
  int a_port = 0, b_port = 0;
  std::unique_ptr<ChildProcess> a = StartBackend(a_port);
  std::unique_ptr<ChildProcess> b = StartBackend(b_port);
  ASSERT_GT(a_port, 0);
  ASSERT_GT(b_port, 0);
  const std::string config = ::testing::TempDir() + "/cli_clusters_stop.yaml";
  std::ofstream(config) << absl::StrCat(
      "descriptors: {descriptor_sets: [\"", testing::BinDir(),
      "/proto/bookstore.binpb\"]}\n"
      "clusters:\n  - name: books\n    endpoints: [\"127.0.0.1:",
      a_port, "\", \"127.0.0.1:", b_port,
      "\"]\n    health_check: {interval: 0.05s, timeout: 0.05s, "
      "unhealthy_threshold: 2}\n"
      "routes: [{service: demo.bookstore, cluster: books}]\n"
      "method_defaults: {timeout: 2s}\n");
  auto gateway =
      ChildProcess::Start({testing::BinDir() + "/gateway/server/protogate",
                           "--config", config, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(gateway.ok());
  const int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0);
  ASSERT_EQ(WaitForStatus(port, "/v1/shelves/2", 200), 200);

  a->Signal(SIGSTOP);
  // Until the checks have caught up, a request may still go to `a` (and
  // take up to its 2 s deadline); then 20 in a row are served at once.
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  int fast_in_a_row = 0;
  while (fast_in_a_row < 20 && absl::Now() < give_up) {
    const absl::Time start = absl::Now();
    auto r = testing::Fetch(port, "GET", "/v1/shelves/2");
    const bool fast =
        r.ok() && r->status == 200 && absl::Now() - start < absl::Seconds(1);
    fast_in_a_row = fast ? fast_in_a_row + 1 : 0;
  }
  EXPECT_EQ(fast_in_a_row, 20) << "the stopped backend was not skipped";
  EXPECT_EQ(WaitForStatus(port, "/-/readyz", 200), 200);  // `b` is healthy.

  a->Signal(SIGCONT);
  b->Signal(SIGKILL);
  ASSERT_TRUE(b->Wait(absl::Seconds(10)).ok());
  // Only `a` is left: once its checks pass again it serves every request.
  EXPECT_EQ(WaitForStatus(port, "/v1/shelves/2", 200), 200);

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server
