#include "gateway/observability/exposition.h"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/observability/gateway_metrics.h"
#include "gateway/observability/process_metrics.h"
#include "gtest/gtest.h"

namespace protogate::observability {
namespace {

// Runs `promtool check metrics` on `text`; its exit code and output.
std::pair<int, std::string> PromtoolCheck(const std::string& text) {
  std::string path = absl::StrCat(::testing::TempDir(), "/scrape.txt");
  std::ofstream(path) << text;
  std::string command =
      absl::StrCat("promtool check metrics < ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, n);
  }
  int status = pclose(pipe);
  return {WEXITSTATUS(status), output};
}

TEST(ExpositionTest, PrometheusTextOfEachType) {
  MetricsRegistry registry;
  registry.AddCounter("t_requests_total", "Requests \\ answered\n.", {"route"})
      .Add({"a\"b\\c\nd"}, 3);
  registry.AddGauge("t_open", "Open.", {}).Add({}, 2);
  registry.AddHistogram("t_seconds", "Latency.", {"route"}, {0.25, 1})
      .Observe({"r"}, 0.5);
  registry.AddCounter("t_unused_total", "Never counted.", {});
  EXPECT_EQ(
      WriteExposition(registry.Collect(), ExpositionFormat::kPrometheusText),
      "# HELP t_requests_total Requests \\\\ answered\\n.\n"
      "# TYPE t_requests_total counter\n"
      "t_requests_total{route=\"a\\\"b\\\\c\\nd\"} 3\n"
      "# HELP t_open Open.\n"
      "# TYPE t_open gauge\n"
      "t_open 2\n"
      "# HELP t_seconds Latency.\n"
      "# TYPE t_seconds histogram\n"
      "t_seconds_bucket{route=\"r\",le=\"0.25\"} 0\n"
      "t_seconds_bucket{route=\"r\",le=\"1\"} 1\n"
      "t_seconds_bucket{route=\"r\",le=\"+Inf\"} 1\n"
      "t_seconds_sum{route=\"r\"} 0.5\n"
      "t_seconds_count{route=\"r\"} 1\n");
}

TEST(ExpositionTest, OpenMetricsNamesCounterFamiliesWithoutTotalAndEnds) {
  MetricsRegistry registry;
  registry.AddCounter("t_requests_total", "Requests.", {}).Add({}, 1);
  EXPECT_EQ(WriteExposition(registry.Collect(), ExpositionFormat::kOpenMetrics),
            "# HELP t_requests Requests.\n"
            "# TYPE t_requests counter\n"
            "t_requests_total 1\n"
            "# EOF\n");
}

TEST(ExpositionTest, NegotiatesOpenMetricsFromAccept) {
  EXPECT_EQ(NegotiateExposition(""), ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
            ExpositionFormat::kPrometheusText);
  EXPECT_EQ(NegotiateExposition("application/openmetrics-text;version=1.0.0;"
                                "q=0.5,text/plain;version=0.0.4;q=0.3"),
            ExpositionFormat::kOpenMetrics);
  EXPECT_EQ(ExpositionContentType(ExpositionFormat::kPrometheusText),
            "text/plain; version=0.0.4; charset=utf-8");
}

TEST(ExpositionTest, LargeCountersAndFractionsKeepTheirDigits) {
  MetricsRegistry registry;
  registry.AddCounter("t_bytes_total", "Bytes.", {}).Add({}, 123456789012345);
  registry.AddGauge("t_ratio", "Ratio.", {}).Add({}, 0.1);
  std::string text =
      WriteExposition(registry.Collect(), ExpositionFormat::kPrometheusText);
  EXPECT_NE(text.find("t_bytes_total 123456789012345\n"), std::string::npos);
  EXPECT_NE(text.find("t_ratio 0.1\n"), std::string::npos);
}

// Every family the gateway declares, counted once, passes promtool's lint.
TEST(ExpositionTest, GatewayFamiliesPassPromtool) {
  MetricsRegistry registry;
  GatewayMetrics m(registry, {.version = "0.1.0", .revision = "abc"});
  AddProcessMetrics(registry);
  m.http_requests.Add({"demo.Shelves/List", "GET", "200"});
  m.http_request_duration.Observe({"demo.Shelves/List", "GET"}, 0.002);
  m.http_request_size.Observe({"demo.Shelves/List", "GET"}, 0);
  m.http_response_size.Observe({"demo.Shelves/List", "GET"}, 812);
  m.http_bad_requests.Add({"431"});
  m.connections_accepted.Add({});
  m.connections_closed.Add({});
  m.connections_open.Add({}, 0);
  m.streams_relayed.Add({"demo.Shelves/Watch"});
  m.stream_bytes_relayed.Add({"demo.Shelves/Watch"}, 100);
  m.upstream_requests.Add({"books", "demo.Shelves/List", "OK"});
  m.upstream_request_duration.Observe({"books"}, 0.001);
  m.upstream_retries.Add({"books"});
  m.upstream_retry_budget_refusals.Add({"books"});
  m.plan_runs.Add({"demo.Store/Get", "ok"});
  m.plan_step_duration.Observe({"demo.Store/Get", "book"}, 0.001);
  m.plan_step_failures.Add({"demo.Store/Get", "book", "NOT_FOUND"});
  m.config_reloads.Add({"SIGHUP", "ok"});
  std::string text =
      WriteExposition(registry.Collect(), ExpositionFormat::kPrometheusText);
  for (std::string_view name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_open_fds", "process_max_fds", "process_start_time_seconds",
        "protogate_build_info{version=\"0.1.0\",revision=\"abc\"} 1"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
  auto [code, output] = PromtoolCheck(text);
  EXPECT_EQ(code, 0) << output << "\n" << text;
  EXPECT_EQ(output, "") << text;
}

}  // namespace
}  // namespace protogate::observability
