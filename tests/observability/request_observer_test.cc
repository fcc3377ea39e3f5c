#include "gateway/observability/request_observer.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "rapidjson/document.h"

namespace protogate::observability {
namespace {

namespace otlp = ::opentelemetry::proto::collector::trace::v1;

double Value(MetricsRegistry& registry, std::string_view name,
             const std::vector<std::string>& labels) {
  for (const FamilySample& family : registry.Collect()) {
    if (family.name != name) continue;
    auto it = family.series.find(labels);
    if (it == family.series.end()) return -1;
    if (family.type != MetricType::kHistogram) return it->second.value;
    double count = 0;  // A histogram's observation count.
    for (uint64_t n : it->second.counts) count += static_cast<double>(n);
    return count;
  }
  return -1;
}

// Keeps what the exporter sends (decoded), in place of a collector.
struct SpanSink {
  absl::Mutex mu;
  std::vector<opentelemetry::proto::trace::v1::Span> spans;
  SpanTransport Transport() {
    return [this](const std::string& request, absl::Duration) {
      otlp::ExportTraceServiceRequest decoded;
      if (!decoded.ParseFromString(request)) {
        return absl::InternalError("bad request");
      }
      absl::MutexLock lock(&mu);
      for (const auto& s : decoded.resource_spans(0).scope_spans(0).spans()) {
        spans.push_back(s);
      }
      return absl::OkStatus();
    };
  }
};

TEST(RequestObserverTest, MetricsOnlyCountsTheRequestAndItsCall) {
  MetricsRegistry registry;
  GatewayMetrics metrics(registry, {"v", "r"});
  RequestObserver observer({.metrics = &metrics});
  RequestObservation seen = observer.Start("", "");
  EXPECT_FALSE(seen.trace.has_value());  // No tracing configured.
  EXPECT_EQ(Value(registry, "protogate_http_requests_in_flight", {}), 1);
  std::optional<TraceContext> call = observer.StartCall(seen);
  EXPECT_FALSE(call.has_value());
  observer.FinishCall(call, {.cluster = "books",
                             .grpc_method = "/demo.Shelves/Get",
                             .grpc_code = 5,
                             .start_ns = seen.start_ns,
                             .plan = "demo.Store/Get",
                             .step = "shelf"});
  observer.Finish(seen, {.route = "demo.Store/Get",
                         .method = "GET",
                         .status = 404,
                         .bytes_out = 10});
  EXPECT_EQ(Value(registry, "protogate_http_requests_total",
                  {"demo.Store/Get", "GET", "404"}),
            1);
  EXPECT_EQ(Value(registry, "protogate_http_requests_in_flight", {}), 0);
  EXPECT_EQ(Value(registry, "protogate_upstream_requests_total",
                  {"books", "demo.Shelves/Get", "NOT_FOUND"}),
            1);
  EXPECT_EQ(Value(registry, "protogate_plan_step_failures_total",
                  {"demo.Store/Get", "shelf", "NOT_FOUND"}),
            1);
  EXPECT_EQ(Value(registry, "protogate_plan_step_duration_seconds",
                  {"demo.Store/Get", "shelf"}),
            1);
}

// A route's bound series count the same series as labels would, by
// method and status (a status outside the array's ranges included), and
// a slot keeps the one series of its route across requests.
TEST(RequestObserverTest, BoundRouteSeriesCountLikeLabels) {
  MetricsRegistry registry;
  GatewayMetrics metrics(registry, {"v", "r"});
  RequestObserver observer({.metrics = &metrics});
  RouteSeriesSlot slot;
  const RouteSeries& series = slot.Get(metrics, "demo.S/Get", "books");
  EXPECT_EQ(&slot.Get(metrics, "demo.S/Get", "books"), &series);
  EXPECT_EQ(&RouteSeriesSlot(slot).Get(metrics, "x", "y"), &series);
  const int statuses[] = {200, 200, 404, 599, 103, 308};
  for (int status : statuses) {
    RequestObservation seen = observer.Start("", "");
    observer.FinishCall(std::nullopt, {.series = &series,
                                       .grpc_code = status == 200 ? 0 : 5,
                                       .start_ns = seen.start_ns});
    observer.Finish(seen, {.route = "demo.S/Get",
                           .series = &series,
                           .method = status == 599 ? "BREW" : "GET",
                           .status = status});
  }
  EXPECT_EQ(Value(registry, "protogate_http_requests_total",
                  {"demo.S/Get", "GET", "200"}),
            2);
  EXPECT_EQ(Value(registry, "protogate_http_requests_total",
                  {"demo.S/Get", "other", "599"}),
            1);
  EXPECT_EQ(Value(registry, "protogate_http_requests_total",
                  {"demo.S/Get", "GET", "103"}),
            1);
  EXPECT_EQ(Value(registry, "protogate_http_request_duration_seconds",
                  {"demo.S/Get", "GET"}),
            5);
  EXPECT_EQ(Value(registry, "protogate_upstream_requests_total",
                  {"books", "demo.S/Get", "NOT_FOUND"}),
            4);
  EXPECT_EQ(
      Value(registry, "protogate_upstream_request_duration_seconds", {"books"}),
      6);
  EXPECT_EQ(Value(registry, "protogate_http_requests_total",
                  {"demo.S/Get", "POST", "200"}),
            -1);  // Never used: not exported.
}

// With tracing alone, an unsampled request's answer needs no watching (the
// proxy then does not wrap it); a sampled one, metrics or a log do.
TEST(RequestObserverTest, OnlyAnUnsampledTracedOnlyRequestIsNotObserved) {
  SpanSink sink;
  SpanExporter exporter({}, sink.Transport());
  RequestObserver never({.sample_ratio = 0.0, .spans = &exporter});
  EXPECT_FALSE(never.ObservesAnswer(never.Start("", "")));
  RequestObserver always({.sample_ratio = 1.0, .spans = &exporter});
  EXPECT_TRUE(always.ObservesAnswer(always.Start("", "")));
  MetricsRegistry registry;
  GatewayMetrics metrics(registry, {"v", "r"});
  RequestObserver counted({.metrics = &metrics, .sample_ratio = 0.0});
  RequestObservation seen = counted.Start("", "");
  EXPECT_TRUE(counted.ObservesAnswer(seen));
  counted.Finish(seen, {.method = "GET", .status = 200});
}

TEST(RequestObserverTest, UnknownRouteIsDash) {
  MetricsRegistry registry;
  GatewayMetrics metrics(registry, {"v", "r"});
  RequestObserver observer({.metrics = &metrics});
  observer.Finish(observer.Start("", ""),
                  {.route = "", .method = "GET", .status = 404});
  EXPECT_EQ(
      Value(registry, "protogate_http_requests_total", {"-", "GET", "404"}), 1);
}

TEST(RequestObserverTest, TracedRequestLogsIdsAndExportsServerAndClientSpans) {
  std::string path = absl::StrCat(::testing::TempDir(), "/observer.log");
  std::remove(path.c_str());
  SpanSink sink;
  auto log = AccessLogWriter::Open({.path = path});
  ASSERT_TRUE(log.ok());
  std::string traceparent;
  {
    SpanExporter exporter({}, sink.Transport());
    RequestObserver observer(
        {.access_log = log->get(), .sample_ratio = 0, .spans = &exporter});
    RequestObservation seen = observer.Start(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
    std::optional<TraceContext> call = observer.StartCall(seen);
    ASSERT_TRUE(call.has_value());
    traceparent = call->Traceparent();
    observer.FinishCall(call, {.cluster = "books",
                               .grpc_method = "/demo.Shelves/Get",
                               .grpc_code = 0,
                               .start_ns = seen.start_ns});
    observer.Finish(seen, {.route = "demo.Shelves/Get",
                           .method = "GET",
                           .target = "/v1/shelves/1?x=y",
                           .request_id = "id-1",
                           .status = 200,
                           .grpc_code = 0});
  }              // The exporter sends what is queued.
  log->reset();  // The writer writes what is buffered.
  EXPECT_EQ(traceparent.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  ASSERT_EQ(sink.spans.size(), 2u);
  const auto& client = sink.spans[0];
  const auto& server = sink.spans[1];
  EXPECT_EQ(client.parent_span_id(), server.span_id());
  EXPECT_EQ(client.name(), "demo.Shelves/Get");
  std::map<std::string, std::string> attributes;
  for (const auto& a : client.attributes()) {
    attributes[a.key()] = a.value().has_int_value()
                              ? std::to_string(a.value().int_value())
                              : a.value().string_value();
  }
  EXPECT_EQ(attributes["rpc.system"], "grpc");
  EXPECT_EQ(attributes["rpc.service"], "demo.Shelves");
  EXPECT_EQ(attributes["rpc.method"], "Get");
  EXPECT_EQ(attributes["rpc.grpc.status_code"], "0");
  attributes.clear();
  for (const auto& a : server.attributes()) {
    attributes[a.key()] = a.value().has_int_value()
                              ? std::to_string(a.value().int_value())
                              : a.value().string_value();
  }
  EXPECT_EQ(attributes["http.request.method"], "GET");
  EXPECT_EQ(attributes["http.route"], "demo.Shelves/Get");
  EXPECT_EQ(attributes["http.response.status_code"], "200");

  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  rapidjson::Document json;
  json.Parse(line.data(), line.size());
  ASSERT_FALSE(json.HasParseError()) << line;
  EXPECT_STREQ(json["trace_id"].GetString(),
               "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_STREQ(json["path"].GetString(), "/v1/shelves/1");
  EXPECT_STREQ(json["request_id"].GetString(), "id-1");
}

TEST(RequestObserverTest, SampledOutRequestExportsNothing) {
  SpanSink sink;
  {
    SpanExporter exporter({}, sink.Transport());
    RequestObserver observer({.sample_ratio = 0, .spans = &exporter});
    RequestObservation seen = observer.Start("", "");
    ASSERT_TRUE(seen.trace.has_value());
    EXPECT_FALSE(seen.trace->sampled());
    observer.Finish(seen, {.route = "r", .method = "GET", .status = 200});
  }
  EXPECT_TRUE(sink.spans.empty());
}

}  // namespace
}  // namespace protogate::observability
