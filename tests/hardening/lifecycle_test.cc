// Lifecycle under load (issue 23), through the real `protogate` binary and
// the real demo_bookstore: SIGTERM while a load runs (in-flight requests
// finish, new connections are refused, exit code 0), a reload every 100 ms
// under load (no request fails), and a bounded soak (RSS and open fds flat
// after warm-up).
//
// The soak runs PROTOGATE_SOAK_SECONDS (default 10, at most 600) or
// 200,000 requests per thread, whichever ends first; tools/soak.sh runs it
// for 60 s.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/hardening/child_processes.h"
#include "tests/hardening/keepalive_load.h"
#include "tests/hardening/process_probe.h"
#include "tests/testing/http_client.h"

namespace protogate::hardening {
namespace {

using ::protogate::testing::ChildProcess;
using ::protogate::testing::Fetch;
using ::protogate::testing::HttpConnection;

constexpr char kGet[] = "GET /v1/shelves/1 HTTP/1.1\r\nHost: g\r\n\r\n";

// The demo bookstore behind the gateway, two I/O threads, health checks
// every 50 ms (each snapshot's monitor thread checks on the request path's
// channels while reloads replace it; a threshold no run reaches keeps the
// endpoint in rotation); `generation` is the value of an x-generation
// response header.
std::string Config(int backend_port, int generation) {
  return absl::StrCat("descriptors: {descriptor_sets: [\"", testing::BinDir(),
                      "/proto/bookstore.binpb\"], watch_interval: 0s}\n"
                      "clusters: [{name: books, endpoints: [\"127.0.0.1:",
                      backend_port,
                      "\"], health_check: {interval: 0.05s, timeout: 0.05s, "
                      "unhealthy_threshold: 100}}]\n"
                      "routes: [{service: demo.bookstore, cluster: books}]\n"
                      "server: {io_threads: 2, drain_grace: 10s}\n"
                      "headers:\n"
                      "  forward_prefixes: [\"x-demo-\"]\n"
                      "  response: [{name: x-generation, set: \"",
                      generation, "\"}]\n");
}

// A metric's value from /-/metrics (the first series whose line starts
// with `series`), or -1.
double Metric(uint16_t port, const std::string& series) {
  auto r = Fetch(port, "GET", "/-/metrics");
  if (!r.ok() || r->status != 200) return -1;
  size_t at = r->body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  at += series.size() + 2;
  double value = -1;
  (void)absl::SimpleAtod(r->body.substr(at, r->body.find('\n', at) - at),
                         &value);
  return value;
}

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = StartDemoBackend("demo_bookstore", backend_port_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    auto gw = ConfigGateway::Start(Config(backend_port_, 1));
    ASSERT_TRUE(gw.ok()) << gw.status();
    gateway_ = *std::move(gw);
  }

  // Polls `done` every 10 ms for at most 20 s.
  template <typename Done>
  bool Eventually(Done done) {
    const absl::Time give_up = absl::Now() + absl::Seconds(20);
    while (absl::Now() < give_up) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  int backend_port_ = 0;
  std::unique_ptr<ChildProcess> backend_;
  std::unique_ptr<ConfigGateway> gateway_;
};

// Four slow requests (the backend waits 3 s) are in flight and four
// threads keep fast requests going when SIGTERM arrives: the slow ones are
// answered 200 with `Connection: close`, every fast one is either answered
// 200 or refused (connect refused, or an idle keep-alive connection
// closed before any byte of an answer), none fails, and the exit code is 0.
TEST_F(LifecycleTest, SigtermUnderLoadFinishesInFlightAndRefusesNew) {
  constexpr int kSlow = 4;
  std::vector<std::unique_ptr<HttpConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    auto conn = HttpConnection::Connect(gateway_->port());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Write("GET /v1/shelves/1 HTTP/1.1\r\nHost: g\r\n"
                            "x-demo-delay-ms: 3000\r\n\r\n")
                    .ok());
    slow.push_back(*std::move(conn));
  }
  const std::string in_flight = "protogate_http_requests_in_flight";
  ASSERT_TRUE(
      Eventually([&] { return Metric(gateway_->port(), in_flight) >= kSlow; }));
  KeepAliveLoad load(gateway_->port(), 4, kGet);
  ASSERT_TRUE(Eventually([&] { return load.ok() >= 200; }));

  gateway_->process().Signal(SIGTERM);
  for (auto& conn : slow) {
    auto r = conn->ReadResponse();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->Header("connection"), "close");
  }
  load.Join();  // Each thread ends at its first refused connect.
  auto code = gateway_->process().Wait(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << gateway_->process().ReadAllStderr(absl::Seconds(5));
  EXPECT_EQ(load.failed(), 0) << load.first_failure();
  EXPECT_GE(load.refused(), 4);
  RecordProperty("answered", static_cast<int>(load.ok()));
  EXPECT_FALSE(HttpConnection::Connect(gateway_->port()).ok());
}

// 30 reloads, one every 100 ms (SIGHUP after an atomic rewrite of the
// config), while four threads keep requests going: no request fails, the
// reloads are counted, and the last generation is served.
TEST_F(LifecycleTest, ReloadsEvery100MsUnderLoadFailNoRequest) {
  constexpr int kReloads = 30;
  KeepAliveLoad load(gateway_->port(), 4, kGet);
  ASSERT_TRUE(Eventually([&] { return load.ok() >= 100; }));
  for (int generation = 2; generation <= kReloads + 1; ++generation) {
    gateway_->WriteConfig(Config(backend_port_, generation));
    gateway_->process().Signal(SIGHUP);
    absl::SleepFor(absl::Milliseconds(100));  // The cadence under test.
  }
  const std::string last = absl::StrCat(kReloads + 1);
  EXPECT_TRUE(Eventually([&] {
    auto r = Fetch(gateway_->port(), "GET", "/v1/shelves/1");
    return r.ok() && r->Header("x-generation") == last;
  }));
  load.Stop();
  EXPECT_EQ(load.failed(), 0) << load.first_failure();
  EXPECT_GT(load.ok(), 100);
  const double reloads =
      Metric(gateway_->port(),
             R"(protogate_config_reloads_total{trigger="SIGHUP",result="ok"})");
  RecordProperty("reloads", static_cast<int>(reloads));
  RecordProperty("answered", static_cast<int>(load.ok()));
  EXPECT_GE(reloads, kReloads / 3) << "SIGHUPs may coalesce, not vanish";
  gateway_->process().Signal(SIGTERM);
  auto code = gateway_->process().Wait(absl::Seconds(20));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << gateway_->process().ReadAllStderr(absl::Seconds(5));
}

int SoakSeconds() {
  const char* env = std::getenv("PROTOGATE_SOAK_SECONDS");
  int seconds = 10;
  if (env != nullptr) (void)absl::SimpleAtoi(env, &seconds);
  return std::clamp(seconds, 1, 600);
}

// Unary, server-streaming and body-carrying requests from six keep-alive
// connections: after a warm-up of 2,000 requests per connection, a soak of
// PROTOGATE_SOAK_SECONDS keeps the gateway's RSS within 5% (at least
// 1 MiB of slack: the allocator's arenas move by that much) and its open
// descriptors where they were.
TEST_F(LifecycleTest, SoakKeepsRssAndOpenFdsFlat) {
  const std::vector<std::string> requests = {
      kGet,
      "GET /v1/shelves/1/books:stream?repeat=3 HTTP/1.1\r\nHost: g\r\n\r\n",
      "POST /v1/isbn:check HTTP/1.1\r\nHost: g\r\nContent-Type: "
      "application/json\r\nContent-Length: 35\r\n\r\n"
      R"({"isbns":["9780441478125","12345"]})"};
  auto run = [&](int per_thread, absl::Duration max_time) {
    std::vector<std::unique_ptr<KeepAliveLoad>> loads;
    for (const std::string& request : requests) {
      loads.push_back(std::make_unique<KeepAliveLoad>(
          gateway_->port(), 2, request, per_thread, max_time));
    }
    int64_t ok = 0;
    for (auto& load : loads) {
      load->Join();
      EXPECT_EQ(load->failed(), 0) << load->first_failure();
      ok += load->ok();
    }
    return ok;
  };
  // Open connections: the scrape's own, once the load's are closed.
  auto quiet = [&] {
    return Eventually([&] {
      return Metric(gateway_->port(), "protogate_http_connections_open") <= 1;
    });
  };
  ASSERT_EQ(run(2000, absl::Seconds(60)), 6 * 2000);
  ASSERT_TRUE(quiet());
  auto warm = ReadMemory(gateway_->pid());
  ASSERT_TRUE(warm.ok());
  const int warm_fds = OpenFds(gateway_->pid());

  const int64_t soaked = run(200000, absl::Seconds(SoakSeconds()));
  ASSERT_TRUE(quiet());
  auto after = ReadMemory(gateway_->pid());
  ASSERT_TRUE(after.ok());
  const int after_fds = OpenFds(gateway_->pid());
  RecordProperty("requests", static_cast<int>(soaked));
  RecordProperty("warm_rss_kib", static_cast<int>(warm->rss_kib));
  RecordProperty("after_rss_kib", static_cast<int>(after->rss_kib));
  EXPECT_GT(soaked, 1000);
  // The scrape's connection may still be open at either count.
  EXPECT_LE(after_fds, warm_fds + 1);
  if (!kSanitizedBuild) {
    EXPECT_LE(after->rss_kib,
              std::max(warm->rss_kib * 105 / 100, warm->rss_kib + 1024))
        << "RSS grew from " << warm->rss_kib << " KiB over " << soaked
        << " requests";
  }
}

}  // namespace
}  // namespace protogate::hardening
