#include "gateway/observability/span_exporter.h"

#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/upstream/grpc_unary_caller.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "tests/observability/test_collector.h"

namespace protogate::observability {
namespace {

namespace otlp = ::opentelemetry::proto::collector::trace::v1;
using ::protogate::testing::TestCollector;
constexpr char kExport[] =
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

SpanTransport GrpcTransport(const std::string& address) {
  std::shared_ptr<upstream::GrpcUnaryCaller> caller =
      *upstream::GrpcUnaryCaller::Create(address, kExport);
  return [caller](const std::string& request, absl::Duration timeout) {
    return caller->Call(request, timeout).status();
  };
}

Span ServerSpan() {
  Span span;
  span.context = Tracer(1).Continue(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
  span.name = "GET demo.Shelves/List";
  span.kind = SpanKind::kServer;
  span.start = absl::FromUnixNanos(1000);
  span.end = absl::FromUnixNanos(5000);
  span.attributes = {{"http.request.method", std::string("GET")},
                     {"http.response.status_code", int64_t{200}}};
  return span;
}

TEST(SpanExporterTest, SpanCarriesItsTracestate) {
  Span span = ServerSpan();
  span.context = Tracer(1).Continue(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "congo=t61");
  otlp::ExportTraceServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(SerializeExportRequest({span}, "pg")));
  EXPECT_EQ(request.resource_spans(0).scope_spans(0).spans(0).trace_state(),
            "congo=t61");
  otlp::ExportTraceServiceRequest without;
  ASSERT_TRUE(
      without.ParseFromString(SerializeExportRequest({ServerSpan()}, "pg")));
  EXPECT_EQ(without.resource_spans(0).scope_spans(0).spans(0).trace_state(),
            "");
}

TEST(SpanExporterTest, CollectorReceivesTheSpansOverOtlpGrpc) {
  TestCollector collector;
  Span sent = ServerSpan();
  {
    SpanExporter exporter({.flush_interval = absl::Milliseconds(10)},
                          GrpcTransport(collector.address()));
    EXPECT_TRUE(exporter.Export(sent));
    Span child = sent;
    child.context = sent.context.Child();
    child.kind = SpanKind::kClient;
    child.error = true;
    EXPECT_TRUE(exporter.Export(child));
    collector.WaitForSpans(2);
  }
  std::vector<otlp::ExportTraceServiceRequest> requests =
      collector.WaitForSpans(2);
  ASSERT_FALSE(requests.empty());
  const auto& resource = requests[0].resource_spans(0);
  EXPECT_EQ(resource.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(resource.resource().attributes(0).value().string_value(),
            "protogate");
  std::vector<opentelemetry::proto::trace::v1::Span> spans;
  for (const auto& r : requests) {
    for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) {
      spans.push_back(s);
    }
  }
  ASSERT_EQ(spans.size(), 2u);
  const auto& server = spans[0];
  EXPECT_EQ(
      server.trace_id(),
      std::string(reinterpret_cast<const char*>(sent.context.trace_id.data()),
                  16));
  EXPECT_EQ(server.span_id().size(), 8u);
  EXPECT_EQ(server.parent_span_id(),
            std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  EXPECT_EQ(server.name(), "GET demo.Shelves/List");
  EXPECT_EQ(server.kind(),
            opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(server.start_time_unix_nano(), 1000u);
  EXPECT_EQ(server.end_time_unix_nano(), 5000u);
  ASSERT_EQ(server.attributes_size(), 2);
  EXPECT_EQ(server.attributes(0).key(), "http.request.method");
  EXPECT_EQ(server.attributes(0).value().string_value(), "GET");
  EXPECT_EQ(server.attributes(1).value().int_value(), 200);
  const auto& client = spans[1];
  EXPECT_EQ(client.parent_span_id(), server.span_id());
  EXPECT_EQ(client.trace_id(), server.trace_id());
  EXPECT_EQ(client.kind(),
            opentelemetry::proto::trace::v1::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(client.status().code(),
            opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
}

TEST(SpanExporterTest, AbsentCollectorCountsFailedSpans) {
  // Nothing listens on a port a server just released.
  std::string address;
  {
    TestCollector gone;
    address = gone.address();
  }
  SpanExporter exporter({.flush_interval = absl::Milliseconds(1),
                         .export_timeout = absl::Milliseconds(200)},
                        GrpcTransport(address));
  EXPECT_TRUE(exporter.Export(ServerSpan()));
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (exporter.failed() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(exporter.failed(), 1u);
  EXPECT_EQ(exporter.exported(), 0u);
}

TEST(SpanExporterTest, FullQueueDropsAndCountsWithoutWaiting) {
  absl::Notification release;
  int sends = 0;
  {
    SpanExporter exporter(
        {.queue_spans = 4, .batch_spans = 1},
        [&](const std::string&, absl::Duration) {
          ++sends;
          release.WaitForNotificationWithTimeout(absl::Seconds(10));
          return absl::UnavailableError("collector stalled");
        });
    int accepted = 0;
    for (int i = 0; i < 100; ++i) accepted += exporter.Export(ServerSpan());
    EXPECT_LE(accepted, 5);  // 4 queued, at most 1 taken by the stalled send.
    EXPECT_EQ(exporter.dropped(), static_cast<uint64_t>(100 - accepted));
    release.Notify();
  }
  EXPECT_GE(sends, 1);
}

}  // namespace
}  // namespace protogate::observability
