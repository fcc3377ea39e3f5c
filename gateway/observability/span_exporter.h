// SpanExporter: sends finished spans to an OpenTelemetry collector with
// OTLP (opentelemetry.proto.collector.trace.v1.TraceService/Export), in
// batches, from its own thread.
//
// Export() only queues the span; when `queue_spans` are waiting it drops the
// span and counts it. The thread sends a batch when `batch_spans` are
// queued or every `flush_interval`, through the `transport` the caller
// provides (gateway/upstream/grpc_unary_caller.h makes the gRPC call; this
// library does no networking), so a slow or absent collector only delays
// this thread.
//
// Thread safety: every method may be called from any thread.
// Ownership: owns its thread and the transport; destruction sends what is
// queued once (bounded by `export_timeout`) and stops.
//
// Example:
//   auto exporter = std::make_unique<SpanExporter>(
//       SpanExporterOptions{}, [caller](const std::string& request,
//                                       absl::Duration timeout) {
//         return caller->Call(request, timeout).status();
//       });
//   exporter->Export(std::move(span));
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/observability/trace_context.h"

namespace protogate::observability {

enum class SpanKind { kServer, kClient, kInternal };

struct Span {
  TraceContext context;  // trace_id, span_id, parent_span_id, flags.
  std::string name;      // "GET /v1/shelves" or the gRPC method.
  SpanKind kind = SpanKind::kServer;
  absl::Time start;
  absl::Time end;
  bool error = false;  // Status ERROR (5xx, or a failed call).
  std::vector<std::pair<std::string, std::variant<std::string, int64_t>>>
      attributes;  // Semantic-convention keys, e.g. "http.route".
};

struct SpanExporterOptions {
  std::string service_name = "protogate";  // Resource "service.name".
  size_t queue_spans = 4096;
  size_t batch_spans = 512;
  absl::Duration flush_interval = absl::Seconds(1);
  absl::Duration export_timeout = absl::Seconds(5);
};

// Sends one serialized ExportTraceServiceRequest; the status says whether
// the collector accepted it.
using SpanTransport = absl::AnyInvocable<absl::Status(
    const std::string& request, absl::Duration timeout)>;

class SpanExporter {
 public:
  SpanExporter(SpanExporterOptions options, SpanTransport transport);
  ~SpanExporter();
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // Queues `span`; false (and counted as dropped) when the queue is full.
  bool Export(Span span);

  uint64_t exported() const { return exported_.load(); }
  uint64_t dropped() const { return dropped_.load(); }
  uint64_t failed() const { return failed_.load(); }  // Spans in failed sends.

 private:
  void Run();
  void Send(std::vector<Span> batch);

  const SpanExporterOptions options_;
  SpanTransport transport_;  // Used only by the thread.
  absl::Mutex mu_;
  absl::CondVar ready_;  // Signalled at batch_spans queued and at stop.
  std::deque<Span> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> failed_{0};
  std::thread thread_;
};

// The ExportTraceServiceRequest for `spans`, serialized (exposed for tests).
std::string SerializeExportRequest(const std::vector<Span>& spans,
                                   const std::string& service_name);

}  // namespace protogate::observability
