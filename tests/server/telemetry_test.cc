// Telemetry through the real gateway: metrics on /-/metrics (checked with
// promtool and read back through a real Prometheus server), the access
// log, and W3C trace context reaching the backends of a plain route and of
// a 4-step composition plan (the demo storefront, gRPC on 127.0.0.1:0).
#include "gateway/server/telemetry.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gateway/observability/trace_context.h"
#include "gateway/server/stages.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/observability/test_collector.h"
#include "tests/server/serve_gateway.h"
#include "tests/server/snapshot_config.h"
#include "tests/testing/child_process.h"
#include "tests/testing/free_port.h"
#include "tests/testing/http_client.h"
#include "tools/demo/demo_server.h"
#include "tools/demo/storefront_server.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

// The (last) server span among `spans`, or null.
const opentelemetry::proto::trace::v1::Span* ServerSpan(
    const std::vector<opentelemetry::proto::trace::v1::Span>& spans) {
  const opentelemetry::proto::trace::v1::Span* server = nullptr;
  for (const auto& span : spans) {
    if (span.kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER)
      server = &span;
  }
  return server;
}

constexpr char kParent[] =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// promtool's lint of a scrape: its output, empty when it passes.
std::string PromtoolProblems(const std::string& scrape) {
  const ::testing::TestInfo* test =
      ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path =
      absl::StrCat(::testing::TempDir(), "/telemetry_scrape_",
                   test->test_suite_name(), "_", test->name(), ".txt");
  std::ofstream(path) << scrape;
  std::string command = "promtool check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "cannot run promtool";
  std::string output;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) {
    output.append(buffer, n);
  }
  int status = pclose(pipe);
  if (WEXITSTATUS(status) != 0 && output.empty()) output = "promtool failed";
  return output;
}

class TelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StartGateway([](proxy::SnapshotOptions&) {});
  }

  // The storefront and the bookstore, each a cluster named after its
  // service; `configure` may change the snapshot's options.
  void StartGateway(
      const std::function<void(proxy::SnapshotOptions&)>& configure) {
    auto storefront = demo::StorefrontServer::Start("127.0.0.1:0");
    ASSERT_TRUE(storefront.ok()) << storefront.status();
    storefront_ = *std::move(storefront);
    auto bookstore = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(bookstore.ok()) << bookstore.status();
    bookstore_ = *std::move(bookstore);
    proxy::SnapshotOptions options =
        OptionsFor(testing::BinDir() + "/proto/demo.binpb", "demo.storefront",
                   storefront_->address());
    AddBackend(options.config, "demo.bookstore", bookstore_->address());
    configure(options);
    auto snapshot = proxy::Snapshot::Build(options);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *snapshot;
    // Per test: ctest runs the tests of this file concurrently.
    const ::testing::TestInfo* test =
        ::testing::UnitTest::GetInstance()->current_test_info();
    log_path_ =
        absl::StrCat(::testing::TempDir(), "/telemetry_access_",
                     test->test_suite_name(), "_", test->name(), ".log");
    std::remove(log_path_.c_str());
    config::v1::GatewayConfig config;
    config.mutable_logging()->mutable_access_log()->set_path(log_path_);
    config.mutable_tracing()->set_sample_ratio(1);
    config.mutable_tracing()->mutable_otlp()->set_endpoint(
        collector_.address());
    auto telemetry = StartTelemetry(config, [this] { return snapshot_; });
    ASSERT_TRUE(telemetry.ok()) << telemetry.status();
    telemetry_ = *std::move(telemetry);
    gateway_ = std::make_unique<Gateway>(
        snapshot_, GatewayOptions{.metrics = telemetry_->served_registry(),
                                  .observer = telemetry_->observer()});
    auto server = ServeGateway(*gateway_, telemetry_->ConnectionEvents());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    StopTelemetry();
    storefront_.reset();
    bookstore_.reset();
  }

  // Stops the gateway, then the telemetry: the access log writes what it
  // buffered and the exporter sends what is queued. The server goes first:
  // its sessions count their close in the telemetry's registry when they
  // end, which may be after the test's last response.
  void StopTelemetry() {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    gateway_.reset();
    telemetry_.reset();
  }

  testing::HttpResponse Get(absl::string_view target,
                            std::vector<std::string> headers = {}) {
    auto r =
        testing::Fetch(server_->port(), "GET", target, "", std::move(headers));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : testing::HttpResponse{};
  }

  // The access log's lines, after the writer wrote them.
  std::vector<std::string> LogLines() {
    StopTelemetry();
    return absl::StrSplit(ReadFile(log_path_), '\n', absl::SkipEmpty());
  }

  testing::TestCollector collector_;
  std::unique_ptr<demo::StorefrontServer> storefront_;
  std::unique_ptr<demo::DemoServer> bookstore_;
  StageEnvironment stage_environment_;  // Outlives the snapshot's stages.
  std::shared_ptr<const proxy::Snapshot> snapshot_;
  std::string log_path_;
  std::unique_ptr<Telemetry> telemetry_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(TelemetryTest, PlainRouteIsCountedLoggedAndPropagated) {
  ASSERT_EQ(
      Get("/v1/catalog/products/p1", {std::string("traceparent: ") + kParent})
          .status,
      200);
  testing::HttpResponse scrape = Get("/-/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_EQ(scrape.Header("content-type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(scrape.body,
              HasSubstr("protogate_http_requests_total{route=\"demo.storefront."
                        "v1.Catalog/GetProduct\",method=\"GET\",code=\"200\"} "
                        "1\n"));
  EXPECT_THAT(scrape.body,
              HasSubstr("protogate_upstream_requests_total{cluster=\"demo."
                        "storefront\",grpc_method=\"demo.storefront.v1."
                        "Catalog/GetProduct\",grpc_code=\"OK\"} 1\n"));
  EXPECT_THAT(scrape.body,
              HasSubstr("protogate_upstream_endpoints_healthy{cluster=\"demo."
                        "storefront\"} 1\n"));
  // One I/O thread called the storefront: one HTTP/2 connection.
  EXPECT_THAT(scrape.body,
              HasSubstr("protogate_upstream_connections_open{cluster=\"demo."
                        "storefront\"} 1\n"));
  EXPECT_THAT(scrape.body,
              HasSubstr("protogate_upstream_connections_open{cluster=\"demo."
                        "bookstore\"} 0\n"));
  EXPECT_THAT(scrape.body, HasSubstr("protogate_build_info{version=\""));
  EXPECT_THAT(scrape.body, HasSubstr("process_resident_memory_bytes "));

  std::vector<std::string> seen = storefront_->knobs().traceparents();
  ASSERT_EQ(seen.size(), 1u);
  auto call = observability::ParseTraceparent(seen[0]);
  ASSERT_TRUE(call.ok()) << seen[0];
  EXPECT_EQ(call->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  // The traceparent's span id (parsed as parent_span_id) is the call's own,
  // not the client's.
  EXPECT_NE(call->ParentSpanIdHex(), "00f067aa0ba902b7");

  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  rapidjson::Document json;
  json.Parse(lines[0].data(), lines[0].size());
  ASSERT_FALSE(json.HasParseError()) << lines[0];
  EXPECT_STREQ(json["route"].GetString(),
               "demo.storefront.v1.Catalog/GetProduct");
  EXPECT_STREQ(json["path"].GetString(), "/v1/catalog/products/p1");
  EXPECT_STREQ(json["method"].GetString(), "GET");
  EXPECT_EQ(json["status"].GetInt(), 200);
  EXPECT_EQ(json["grpc_code"].GetInt(), 0);
  EXPECT_STREQ(json["upstream_cluster"].GetString(), "demo.storefront");
  EXPECT_EQ(json["upstream_endpoint"].GetString(), storefront_->address());
  EXPECT_STREQ(json["client_ip"].GetString(), "127.0.0.1");
  EXPECT_GT(json["bytes_out"].GetInt(), 0);
  EXPECT_EQ(std::string(json["request_id"].GetString()).size(), 32u);
  EXPECT_STREQ(json["trace_id"].GetString(),
               "4bf92f3577b34da6a3ce929d0e0e4736");
  // The logged span is the gateway's server span: neither the client's nor
  // the upstream call's.
  std::string server_span = json["span_id"].GetString();
  EXPECT_EQ(server_span.size(), 16u);
  EXPECT_NE(server_span, "00f067aa0ba902b7");
  EXPECT_NE(server_span, call->ParentSpanIdHex());
}

TEST_F(TelemetryTest, EachPlanStepGetsAChildSpanOfTheServerSpan) {
  ASSERT_EQ(
      Get("/v1/products/p1/page", {std::string("traceparent: ") + kParent})
          .status,
      200);
  std::vector<std::string> seen = storefront_->knobs().traceparents();
  ASSERT_EQ(seen.size(), 4u);  // product, price, stock, reviews.
  std::set<std::string> span_ids, parent_ids;
  for (const std::string& header : seen) {
    auto call = observability::ParseTraceparent(header);
    ASSERT_TRUE(call.ok()) << header;
    EXPECT_EQ(call->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_TRUE(call->sampled());
    span_ids.insert(call->ParentSpanIdHex());  // Each call's own span id.
  }
  EXPECT_EQ(span_ids.size(), 4u);
  EXPECT_EQ(span_ids.count("00f067aa0ba902b7"), 0u);
  std::string metrics = Get("/-/metrics").body;
  const std::string plan = "demo.storefront.v1.Storefront/GetProductPage";
  EXPECT_THAT(metrics, HasSubstr("protogate_plan_runs_total{plan=\"" + plan +
                                 "\",result=\"ok\"} 1\n"));
  for (const char* step : {"product", "price", "stock", "reviews"}) {
    EXPECT_THAT(metrics,
                HasSubstr("protogate_plan_step_duration_seconds_count{plan=\"" +
                          plan + "\",step=\"" + step + "\"} 1\n"));
  }
  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"plan_steps\":4"));
}

// The spans of a plan request reach an OTLP collector: the server span
// (a child of the client's span) and one client span per step under it.
TEST_F(TelemetryTest, PlanSpansReachTheCollector) {
  ASSERT_EQ(
      Get("/v1/products/p1/page", {std::string("traceparent: ") + kParent})
          .status,
      200);
  StopTelemetry();  // The exporter sends what is queued.
  std::vector<opentelemetry::proto::trace::v1::Span> spans = collector_.Spans();
  ASSERT_EQ(spans.size(), 5u);
  const opentelemetry::proto::trace::v1::Span* server = ServerSpan(spans);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->parent_span_id(),
            std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  EXPECT_EQ(server->name(), "GET demo.storefront.v1.Storefront/GetProductPage");
  std::set<std::string> services;
  for (const auto& span : spans) {
    EXPECT_EQ(span.trace_id(), server->trace_id());
    if (&span == server) continue;
    EXPECT_EQ(span.parent_span_id(), server->span_id());
    for (const auto& a : span.attributes()) {
      if (a.key() == "rpc.service") services.insert(a.value().string_value());
    }
  }
  EXPECT_EQ(services,
            (std::set<std::string>{
                "demo.storefront.v1.Catalog", "demo.storefront.v1.Pricing",
                "demo.storefront.v1.Inventory", "demo.storefront.v1.Reviews"}));
}

// A server-streaming call is counted as an upstream call, carries its own
// traceparent and gets a client span; its answer is logged with the
// bookstore's cluster and endpoint.
TEST_F(TelemetryTest, StreamingCallIsCountedTracedAndLogged) {
  testing::HttpResponse r = Get("/v1/shelves/1/books:stream",
                                {std::string("traceparent: ") + kParent});
  ASSERT_EQ(r.status, 200) << r.body;
  std::string metrics = Get("/-/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("protogate_upstream_requests_total{cluster="
                                 "\"demo.bookstore\",grpc_method=\"demo."
                                 "bookstore.v1.Bookstore/StreamBooks\","
                                 "grpc_code=\"OK\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_upstream_request_duration_seconds_count{"
                        "cluster=\"demo.bookstore\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("protogate_streams_relayed_total{route=\"demo."
                                 "bookstore.v1.Bookstore/StreamBooks\"} 1\n"));
  std::vector<std::string> lines = LogLines();  // Also flushes the spans.
  ASSERT_EQ(lines.size(), 1u);                  // Scrapes are not logged.
  rapidjson::Document json;
  json.Parse(lines[0].data(), lines[0].size());
  ASSERT_FALSE(json.HasParseError()) << lines[0];
  EXPECT_STREQ(json["upstream_cluster"].GetString(), "demo.bookstore");
  EXPECT_EQ(json["upstream_endpoint"].GetString(), bookstore_->address());
  EXPECT_EQ(json["grpc_code"].GetInt(), 0);
  std::vector<opentelemetry::proto::trace::v1::Span> spans = collector_.Spans();
  ASSERT_EQ(spans.size(), 2u);
  const auto& server =
      spans[0].kind() == opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER
          ? spans[0]
          : spans[1];
  const auto& client = &server == &spans[0] ? spans[1] : spans[0];
  EXPECT_EQ(client.kind(),
            opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(client.name(), "demo.bookstore.v1.Bookstore/StreamBooks");
  EXPECT_EQ(client.parent_span_id(), server.span_id());
  EXPECT_EQ(client.trace_id(), server.trace_id());
}

// How many headers of the response have this name (case-insensitive).
size_t HeaderCount(const testing::HttpResponse& r, absl::string_view name) {
  return std::count_if(r.headers.begin(), r.headers.end(),
                       [name](const auto& header) {
                         return absl::EqualsIgnoreCase(header.first, name);
                       });
}

// An observed answer, whole or streamed, is finished (x-request-id, once)
// by the same sink that observes it: the client and the access log see the
// same id, and the logged status and body size are those of the answer.
TEST_F(TelemetryTest, ObservedAnswersCarryTheRequestIdTheLogShows) {
  testing::HttpResponse whole =
      Get("/v1/catalog/products/p1", {"x-request-id: req-whole-1"});
  ASSERT_EQ(whole.status, 200) << whole.body;
  testing::HttpResponse streamed =
      Get("/v1/shelves/1/books:stream", {"x-request-id: req-stream-1"});
  ASSERT_EQ(streamed.status, 200) << streamed.body;
  EXPECT_EQ(HeaderCount(whole, "x-request-id"), 1u);
  EXPECT_EQ(HeaderCount(streamed, "x-request-id"), 1u);
  EXPECT_EQ(whole.Header("x-request-id"), "req-whole-1");
  EXPECT_EQ(streamed.Header("x-request-id"), "req-stream-1");

  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  rapidjson::Document first, second;
  first.Parse(lines[0].data(), lines[0].size());
  second.Parse(lines[1].data(), lines[1].size());
  ASSERT_FALSE(first.HasParseError() || second.HasParseError());
  EXPECT_STREQ(first["request_id"].GetString(), "req-whole-1");
  EXPECT_EQ(first["status"].GetInt(), 200);
  EXPECT_EQ(first["bytes_out"].GetUint64(), whole.body.size());
  EXPECT_STREQ(second["request_id"].GetString(), "req-stream-1");
  EXPECT_EQ(second["status"].GetInt(), 200);
  EXPECT_GT(second["bytes_out"].GetUint64(), 0u);
}

TEST_F(TelemetryTest, UnmatchedRequestIsCountedUnderDash) {
  EXPECT_EQ(Get("/no/such/path").status, 404);
  EXPECT_THAT(Get("/-/metrics").body,
              HasSubstr("protogate_http_requests_total{route=\"-\",method="
                        "\"GET\",code=\"404\"} 1\n"));
}

// A client may send any token as the method: the label stays bounded.
TEST_F(TelemetryTest, UnknownMethodIsCountedAsOther) {
  auto r = testing::Fetch(server_->port(), "BREW", "/v1/catalog/products/p1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 405);
  std::string metrics = Get("/-/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("protogate_http_requests_total{route=\"-\","
                                 "method=\"other\",code=\"405\"} 1\n"));
  EXPECT_THAT(metrics, ::testing::Not(HasSubstr("BREW")));
}

TEST_F(TelemetryTest, ConnectionsAndParserRefusalsAreCounted) {
  // Each Fetch is one connection; the 431 never reaches the gateway.
  EXPECT_EQ(
      Get("/v1/catalog/products/p1", {"X-Big: " + std::string(20000, 'a')})
          .status,
      431);
  std::string metrics = Get("/-/metrics").body;
  EXPECT_THAT(metrics,
              HasSubstr("protogate_http_bad_requests_total{kind=\"431\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_http_connections_accepted_total 2\n"));
  // The first connection may still be closing: open is 1 or 2.
  EXPECT_THAT(metrics, ::testing::ContainsRegex(
                           "protogate_http_connections_open [12]\n"));
}

TEST_F(TelemetryTest, OpenMetricsWhenAcceptAsksForIt) {
  testing::HttpResponse scrape =
      Get("/-/metrics", {"Accept: application/openmetrics-text; "
                         "version=1.0.0,text/plain;q=0.5"});
  EXPECT_EQ(scrape.Header("content-type"),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
  EXPECT_TRUE(absl::EndsWith(scrape.body, "# EOF\n"));
}

// promtool's lint on a scrape taken under traffic.
TEST_F(TelemetryTest, ScrapeUnderTrafficPassesPromtool) {
  for (int i = 0; i < 20; ++i) {
    Get(i % 2 == 0 ? "/v1/catalog/products/p1" : "/v1/products/p2/page");
  }
  EXPECT_EQ(PromtoolProblems(Get("/-/metrics").body), "");
}

// Debian's Prometheus scrapes the gateway; its HTTP API reports the sum of
// protogate_http_requests_total the test caused.
TEST_F(TelemetryTest, RealPrometheusReadsBackTheRequestCount) {
  constexpr int kRequests = 7;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_EQ(Get("/v1/catalog/products/p1").status, 200);
  }
  const std::string dir = ::testing::TempDir() + "/prometheus";
  std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
  std::ofstream(dir + "/prometheus.yml")
      << "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
      << "scrape_configs:\n"
      << "  - job_name: protogate\n"
      << "    metrics_path: /-/metrics\n"
      << "    static_configs: [{targets: ['127.0.0.1:" << server_->port()
      << "']}]\n";
  const int port = testing::FreeTcpPort();
  auto prometheus = testing::ChildProcess::Start(
      {"/usr/bin/prometheus", "--config.file=" + dir + "/prometheus.yml",
       "--storage.tsdb.path=" + dir + "/data",
       "--web.listen-address=127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();
  // The value of a PromQL expression with one result, once Prometheus has
  // scraped (within 60 s); "" if it never has one.
  auto query = [port](const std::string& expression) {
    absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      auto r = testing::Fetch(port, "GET", "/api/v1/query?query=" + expression);
      if (r.ok() && r->status == 200) {
        rapidjson::Document doc;
        doc.Parse(r->body.data(), r->body.size());
        if (!doc.HasParseError() && doc["data"]["result"].Size() == 1) {
          return std::string(doc["data"]["result"][0]["value"][1].GetString());
        }
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    return std::string();
  };
  std::string requests = query("sum(protogate_http_requests_total)");
  // The storefront's HTTP/2 connections: one per I/O thread that called.
  std::string connections = query(
      "protogate_upstream_connections_open%7Bcluster=%22demo.storefront%22%7D");
  (*prometheus)->Signal(SIGTERM);
  EXPECT_TRUE((*prometheus)->Wait(absl::Seconds(20)).ok());
  EXPECT_EQ(requests, std::to_string(kRequests));
  EXPECT_THAT(connections, ::testing::AnyOf("1", "2"));
}

// The bookstore's cluster points at a port nothing listens on; GetShelf
// retries UNAVAILABLE up to 3 attempts under a one-token retry budget: the
// first retry is made, the second refused.
class RetryTelemetryTest : public TelemetryTest {
 protected:
  void SetUp() override {
    StartGateway([](proxy::SnapshotOptions& options) {
      options.config.mutable_backends(1)->set_target(
          absl::StrCat("127.0.0.1:", testing::FreeTcpPort()));
      MergeYaml(options.config,
                "methods:\n"
                "  - selector: demo.bookstore.v1.Bookstore.GetShelf\n"
                "    retries: {max_attempts: 3, initial_backoff: 0.001s}\n"
                "retry_budget: {max_tokens: 1}\n");
    });
  }
};

TEST_F(RetryTelemetryTest, RetriesAndRetryBudgetRefusalsAreCounted) {
  EXPECT_EQ(Get("/v1/shelves/1").status, 503);
  std::string metrics = Get("/-/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("protogate_upstream_retries_total{cluster="
                                 "\"demo.bookstore\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_upstream_retry_budget_refusals_total{"
                        "cluster=\"demo.bookstore\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("protogate_upstream_requests_total{cluster="
                                 "\"demo.bookstore\",grpc_method=\"demo."
                                 "bookstore.v1.Bookstore/GetShelf\",grpc_code="
                                 "\"UNAVAILABLE\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_upstream_connections_open{cluster=\"demo."
                        "bookstore\"} 0\n"));
  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"upstream_endpoint\":\"127.0.0.1:"));
}

// GetProduct retries UNAVAILABLE up to 3 attempts, and the catalog always
// answers UNAVAILABLE: each attempt is a client span of its own under the
// server span, and carries that span's traceparent.
class RetriedSpansTest : public TelemetryTest {
 protected:
  void SetUp() override {
    StartGateway([](proxy::SnapshotOptions& options) {
      MergeYaml(options.config,
                "methods:\n"
                "  - selector: demo.storefront.v1.Catalog.GetProduct\n"
                "    retries: {max_attempts: 3, initial_backoff: 0.001s}\n");
    });
    storefront_->knobs().SetFailure(demo::StorefrontBackend::kCatalog,
                                    grpc::StatusCode::UNAVAILABLE);
  }
};

TEST_F(RetriedSpansTest, EachAttemptHasItsOwnSpanAndTraceparent) {
  ASSERT_EQ(
      Get("/v1/catalog/products/p1", {std::string("traceparent: ") + kParent})
          .status,
      503);
  std::vector<std::string> seen = storefront_->knobs().traceparents();
  ASSERT_EQ(seen.size(), 3u);
  std::set<std::string> sent_span_ids;  // Each attempt's span id.
  for (const std::string& header : seen) {
    auto call = observability::ParseTraceparent(header);
    ASSERT_TRUE(call.ok()) << header;
    EXPECT_EQ(call->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    sent_span_ids.insert(call->ParentSpanIdHex());
  }
  EXPECT_EQ(sent_span_ids.size(), 3u);
  StopTelemetry();  // The exporter sends what is queued.
  std::vector<opentelemetry::proto::trace::v1::Span> spans = collector_.Spans();
  ASSERT_EQ(spans.size(), 4u);
  const opentelemetry::proto::trace::v1::Span* server = ServerSpan(spans);
  ASSERT_NE(server, nullptr);
  std::set<std::string> exported_span_ids;
  for (const auto& span : spans) {
    if (&span == server) continue;
    EXPECT_EQ(span.trace_id(), server->trace_id());
    EXPECT_EQ(span.parent_span_id(), server->span_id());
    EXPECT_EQ(span.status().code(),
              opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
    for (const auto& a : span.attributes()) {
      if (a.key() == "rpc.grpc.status_code") {
        EXPECT_EQ(a.value().int_value(), 14);
      }
    }
    EXPECT_LE(span.start_time_unix_nano(), span.end_time_unix_nano());
    exported_span_ids.insert(absl::BytesToHexString(span.span_id()));
  }
  EXPECT_EQ(exported_span_ids, sent_span_ids);
}

// The real stages (server/stages.h): an API key on GetProduct, a local
// rate limit of 2 per minute per client on the Catalog, and CORS.
class StageTelemetryTest : public TelemetryTest {
 protected:
  void SetUp() override {
    StartGateway([this](proxy::SnapshotOptions& options) {
      MergeYaml(
          options.config,
          "auth:\n"
          "  api_keys:\n"
          "    - name: partner-a\n"
          // printf %s secret-key-a | sha256sum
          "      sha256: 98549b7031e565a343c120c6a768ff294d72c7283509bb3eb51f"
          "a859c64b0b7d\n"
          "      scopes: [catalog.read]\n"
          "methods:\n"
          "  - selector: demo.storefront.v1.Catalog.GetProduct\n"
          "    auth: {scopes: [catalog.read]}\n"
          "rate_limits:\n"
          "  policies:\n"
          "    - {name: per-client, selector: demo.storefront.v1.Catalog, "
          "key: client_ip, requests: 2, per: 60s}\n"
          "cors:\n"
          "  allow_origins: [\"https://app.example.test\"]\n");
      options.build_stages =
          [this, config = options.config](
              const routing::RouteTable& routes,
              std::shared_ptr<const policy::HeaderRules> rules) {
            return BuildStageChain(config, routes, std::move(rules),
                                   stage_environment_);
          };
    });
  }
};

TEST_F(StageTelemetryTest, StageOutcomesAreCountedAndLogged) {
  const std::string product = "/v1/catalog/products/p1";
  const std::string key = "x-api-key: secret-key-a";
  EXPECT_EQ(Get(product, {key}).status, 200);
  EXPECT_EQ(Get(product).status, 401);
  EXPECT_EQ(Get(product, {key}).status, 200);
  EXPECT_EQ(Get(product, {key}).status, 429);
  auto preflight = [&](const std::string& origin) {
    auto r = testing::Fetch(
        server_->port(), "OPTIONS", product, "",
        {"Origin: " + origin, "Access-Control-Request-Method: GET"});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->status : 0;
  };
  EXPECT_EQ(preflight("https://app.example.test"), 204);
  EXPECT_EQ(preflight("https://evil.example.test"), 403);

  std::string metrics = Get("/-/metrics").body;
  EXPECT_THAT(metrics, HasSubstr("protogate_auth_decisions_total{provider="
                                 "\"partner-a\",result=\"ok\"} 3\n"));
  EXPECT_THAT(metrics, HasSubstr("protogate_auth_decisions_total{provider="
                                 "\"-\",result=\"missing\"} 1\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_rate_limit_decisions_total{policy=\"per-"
                        "client\",result=\"allowed\"} 2\n"));
  EXPECT_THAT(metrics,
              HasSubstr("protogate_rate_limit_decisions_total{policy=\"per-"
                        "client\",result=\"rejected\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("protogate_cors_preflights_total{result="
                                 "\"allowed\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("protogate_cors_preflights_total{result="
                                 "\"refused\"} 1\n"));
  EXPECT_EQ(PromtoolProblems(metrics), "");

  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 6u);
  rapidjson::Document first, anonymous, limited;
  first.Parse(lines[0].data(), lines[0].size());
  anonymous.Parse(lines[1].data(), lines[1].size());
  limited.Parse(lines[3].data(), lines[3].size());
  ASSERT_FALSE(first.HasParseError() || anonymous.HasParseError() ||
               limited.HasParseError());
  EXPECT_STREQ(first["subject"].GetString(), "partner-a");
  EXPECT_STREQ(first["rate_limit_policy"].GetString(), "per-client");
  EXPECT_EQ(first["upstream_endpoint"].GetString(), storefront_->address());
  EXPECT_FALSE(anonymous.HasMember("subject"));
  EXPECT_FALSE(anonymous.HasMember("rate_limit_policy"));
  EXPECT_EQ(limited["status"].GetInt(), 429);
  EXPECT_STREQ(limited["subject"].GetString(), "partner-a");
  EXPECT_STREQ(limited["rate_limit_policy"].GetString(), "per-client");
  EXPECT_FALSE(limited.HasMember("upstream_endpoint"));
}

// The stages' response headers (CORS) reach the observed answers, those
// the route answered and those a stage refused.
TEST_F(StageTelemetryTest, StageHeadersReachObservedAnswers) {
  const std::string product = "/v1/catalog/products/p1";
  const std::string origin = "Origin: https://app.example.test";
  testing::HttpResponse ok = Get(product, {"x-api-key: secret-key-a", origin});
  testing::HttpResponse refused = Get(product, {origin});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(refused.status, 401);
  for (const testing::HttpResponse* r : {&ok, &refused}) {
    EXPECT_EQ(r->Header("access-control-allow-origin"),
              "https://app.example.test");
    EXPECT_EQ(r->Header("x-request-id").size(), 32u);
  }
  std::vector<std::string> lines = LogLines();
  ASSERT_EQ(lines.size(), 2u);
  rapidjson::Document logged;
  logged.Parse(lines[1].data(), lines[1].size());
  ASSERT_FALSE(logged.HasParseError());
  EXPECT_EQ(logged["status"].GetInt(), 401);
  EXPECT_EQ(logged["request_id"].GetString(), refused.Header("x-request-id"));
}

// With metrics, access log and tracing all off the proxy gets no observer
// (nothing runs per request) and /-/metrics is a 404.
TEST(TelemetryOffTest, NothingConfiguredMeansNoObserverAndNoMetrics) {
  config::v1::GatewayConfig config;
  config.mutable_metrics()->set_enabled(false);
  auto telemetry = StartTelemetry(config, [] { return nullptr; });
  ASSERT_TRUE(telemetry.ok()) << telemetry.status();
  EXPECT_EQ((*telemetry)->observer(), nullptr);
  EXPECT_EQ((*telemetry)->served_registry(), nullptr);
  EXPECT_FALSE((*telemetry)->ConnectionEvents().opened);
  // Metrics are on unless turned off.
  auto on = StartTelemetry(config::v1::GatewayConfig(), [] { return nullptr; });
  ASSERT_TRUE(on.ok());
  EXPECT_NE((*on)->observer(), nullptr);
  EXPECT_NE((*on)->served_registry(), nullptr);
}

}  // namespace
}  // namespace protogate::server
