// TestCollector: an OpenTelemetry collector for tests: a real gRPC server
// on 127.0.0.1:0 serving TraceService/Export that keeps every decoded
// ExportTraceServiceRequest. Header-only; the test binary links gRPC and
// protogate::otlp_proto.
//
// Thread safety: all methods may be called from any thread.
// Ownership: owns the server; the destructor shuts it down.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace protogate::testing {

namespace otlp_collector = ::opentelemetry::proto::collector::trace::v1;

class TestCollector final : public otlp_collector::TraceService::Service {
 public:
  TestCollector() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(this);
    server_ = builder.BuildAndStart();
  }
  ~TestCollector() override { server_->Shutdown(); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  grpc::Status Export(grpc::ServerContext*,
                      const otlp_collector::ExportTraceServiceRequest* request,
                      otlp_collector::ExportTraceServiceResponse*) override {
    absl::MutexLock lock(&mu_);
    requests_.push_back(*request);
    return grpc::Status::OK;
  }

  // Waits (at most 10 s) until `spans` spans arrived; all requests so far.
  std::vector<otlp_collector::ExportTraceServiceRequest> WaitForSpans(
      int spans) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      int n = 0;
      for (const auto& r : requests_) {
        n += r.resource_spans(0).scope_spans(0).spans_size();
      }
      return n >= spans;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
    return requests_;
  }

  // Every span received so far, in arrival order.
  std::vector<::opentelemetry::proto::trace::v1::Span> Spans() {
    std::vector<::opentelemetry::proto::trace::v1::Span> spans;
    absl::MutexLock lock(&mu_);
    for (const auto& r : requests_) {
      for (const auto& s : r.resource_spans(0).scope_spans(0).spans()) {
        spans.push_back(s);
      }
    }
    return spans;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  std::vector<otlp_collector::ExportTraceServiceRequest> requests_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::testing
