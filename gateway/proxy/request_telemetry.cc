#include "gateway/proxy/request_telemetry.h"

#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/base/strings.h"

namespace protogate::proxy {
namespace {

using observability::RequestObservation;
using observability::RequestObserver;

// Counts the body bytes of a streamed answer and ends the observation
// when the stream ends.
class CountingStreamSink final : public http::ResponseStream::Sink {
 public:
  CountingStreamSink(std::shared_ptr<class AnswerSink> answer,
                     http::ResponseStream inner)
      : answer_(std::move(answer)), inner_(std::move(inner)) {}
  ~CountingStreamSink() override;
  void Write(std::string data, http::WriteDone done) override;
  void End(http::StreamEnd end, http::Trailers trailers) override;

 private:
  std::shared_ptr<AnswerSink> answer_;
  http::ResponseStream inner_;
  bool ended_ = false;
};

// The one sink of an observed answer: finishes it (policy::
// ResponseFinisher: stage headers, header rules), then observes the
// finished answer, then sends it.
class AnswerSink final : public http::Responder::Sink,
                         public ObservedAnswer,
                         public std::enable_shared_from_this<AnswerSink> {
 public:
  AnswerSink(const RequestObserver& observer, const RequestObservation& seen,
             AnswerDetails&& details, policy::ResponseFinisher&& finisher,
             http::Responder&& inner)
      : observer_(observer),
        seen_(seen),
        details_(std::move(details)),
        finisher_(std::move(finisher)),
        inner_(std::move(inner)) {
    // The request's strings are copied into this object (one allocation
    // with it), not each into a std::string of its own.
    const size_t size = details_.method.size() + details_.target.size() +
                        details_.request_id.size() + details_.client_ip.size() +
                        details_.subject.size();
    char* text = inline_text_.data();
    if (size > inline_text_.size()) {
      heap_text_ = std::make_unique_for_overwrite<char[]>(size);
      text = heap_text_.get();
    }
    for (std::string_view* field :
         {&details_.method, &details_.target, &details_.request_id,
          &details_.client_ip, &details_.subject}) {
      if (field->empty()) continue;  // Its data() may be null.
      std::memcpy(text, field->data(), field->size());
      *field = std::string_view(text, field->size());
      text += field->size();
    }
  }

  void SetUpstream(std::string_view cluster, std::string_view endpoint,
                   int grpc_code) override {
    cluster_ = cluster;
    endpoint_ = endpoint;
    grpc_code_ = grpc_code;
  }
  void SetPlanSteps(int steps) override { plan_steps_ = steps; }

  // The observation ends before the answer leaves: once the client has it,
  // it may scrape the metrics or stop the gateway (and its observer).
  void SendResponse(http::Response response) override {
    finisher_.Apply(response);
    status_ = response.status;
    bytes_out_ = response.body.size();
    Finish();
    inner_.Send(std::move(response));
  }

  std::unique_ptr<http::ResponseStream::Sink> StartStream(
      http::Response head) override {
    finisher_.Apply(head);
    status_ = head.status;
    bytes_out_ = head.body.size();
    if (const observability::GatewayMetrics* m = observer_.metrics()) {
      m->streams_relayed.Add({details_.route});
    }
    streaming_ = true;
    return std::make_unique<CountingStreamSink>(shared_from_this(),
                                                inner_.Stream(std::move(head)));
  }

  void AddStreamed(size_t bytes) { bytes_out_ += bytes; }

  // Called once, when the answer was sent or its stream ended.
  void Finish() {
    const observability::GatewayMetrics* m = observer_.metrics();
    if (m != nullptr && streaming_) {
      m->stream_bytes_relayed.Add({details_.route},
                                  static_cast<double>(bytes_out_));
    }
    observer_.Finish(seen_,
                     {.route = details_.route,
                      .series = details_.series,
                      .method = details_.method,
                      .target = details_.target,
                      .request_id = details_.request_id,
                      .client_ip = details_.client_ip,
                      .status = status_,
                      .grpc_code = grpc_code_,
                      .bytes_in = details_.bytes_in,
                      .bytes_out = bytes_out_,
                      .cluster = cluster_,
                      .endpoint = endpoint_,
                      .plan_steps = plan_steps_,
                      .subject = details_.subject,
                      .rate_limit_policy = details_.stages.rate_limit_policy,
                      .rate_limit_result = details_.stages.rate_limit_result,
                      .auth_provider = details_.stages.auth_provider,
                      .auth_result = details_.stages.auth_result,
                      .cors_preflight = details_.stages.cors_preflight});
  }

 private:
  const RequestObserver& observer_;
  const RequestObservation seen_;
  AnswerDetails details_;              // Its views point into the text below.
  policy::ResponseFinisher finisher_;  // Keeps the snapshot alive.
  http::Responder inner_;
  // The request's strings (see the constructor); the heap when longer.
  std::array<char, 160> inline_text_;
  std::unique_ptr<char[]> heap_text_;
  int status_ = 0;
  uint64_t bytes_out_ = 0;
  std::string_view cluster_;   // Points into the snapshot's upstreams.
  std::string_view endpoint_;  // Points into the snapshot's channels.
  int grpc_code_ = -1;
  int plan_steps_ = 0;
  bool streaming_ = false;
};

CountingStreamSink::~CountingStreamSink() {
  if (!ended_) answer_->Finish();  // Destruction aborts the stream.
}

void CountingStreamSink::Write(std::string data, http::WriteDone done) {
  answer_->AddStreamed(data.size());
  inner_.Write(std::move(data), std::move(done));
}

void CountingStreamSink::End(http::StreamEnd end, http::Trailers trailers) {
  ended_ = true;
  answer_->Finish();  // Before the end leaves (see AnswerSink::SendResponse).
  if (end == http::StreamEnd::kComplete) {
    inner_.Finish(std::move(trailers));
  } else {
    inner_.Abort();
  }
}

// A plan's view of a step channel: each call carries its own child
// traceparent and is counted under its cluster.
class ObservedChannel final : public upstream::Channel {
 public:
  ObservedChannel(const RequestObserver& observer,
                  const RequestObservation& seen, upstream::Channel& inner,
                  std::string_view cluster)
      : observer_(observer), seen_(seen), inner_(inner), cluster_(cluster) {}

  void Call(upstream::CallRequest request,
            upstream::CallCallback done) override {
    std::optional<observability::TraceContext> trace = InjectTraceContext(
        observer_, seen_, request.metadata, request.traceparent);
    const int64_t start_ns = observability::NowUnixNanos();
    std::string method = request.method;
    inner_.Call(
        std::move(request),
        [this, trace = std::move(trace), start_ns, method = std::move(method),
         done = std::move(done)](upstream::CallResult result) mutable {
          observer_.FinishCall(
              trace, {.cluster = cluster_,
                      .grpc_method = method,
                      .grpc_code = static_cast<int>(result.status.code()),
                      .start_ns = start_ns});
          std::move(done)(std::move(result));
        });
  }

 private:
  const RequestObserver& observer_;
  const RequestObservation& seen_;  // Owned by the PlanTelemetry.
  upstream::Channel& inner_;
  const std::string_view cluster_;
};

// What one plan run's hooks share; the resolver keeps it alive until the
// run's last call completed.
struct PlanTelemetry {
  PlanTelemetry(const RequestObserver& o, RequestObservation s,
                std::shared_ptr<const Snapshot> snap, std::string p)
      : observer(o),
        seen(std::move(s)),
        snapshot(std::move(snap)),
        plan(std::move(p)) {}

  upstream::Channel* Resolve(const google::protobuf::ServiceDescriptor& svc) {
    upstream::Channel* inner = snapshot->ResolveService(svc);
    if (inner == nullptr) return nullptr;
    absl::MutexLock lock(&mu);
    std::unique_ptr<ObservedChannel>& channel = channels[&svc];
    if (channel == nullptr) {
      channel = std::make_unique<ObservedChannel>(
          observer, seen, *inner, snapshot->ClusterOf(svc.full_name()));
    }
    return channel.get();
  }

  const RequestObserver& observer;
  const RequestObservation seen;
  const std::shared_ptr<const Snapshot> snapshot;
  const std::string plan;
  absl::Mutex mu;
  absl::flat_hash_map<const google::protobuf::ServiceDescriptor*,
                      std::unique_ptr<ObservedChannel>>
      channels ABSL_GUARDED_BY(mu);
};

}  // namespace

http::Responder ObserveAnswer(const RequestObserver& observer,
                              const RequestObservation& seen,
                              AnswerDetails&& details,
                              policy::ResponseFinisher finisher,
                              ObservedAnswer** observed,
                              http::Responder inner) {
  auto sink =
      std::make_shared<AnswerSink>(observer, seen, std::move(details),
                                   std::move(finisher), std::move(inner));
  *observed = sink.get();
  return http::Responder(std::move(sink));
}

void AttemptSpans::Retrying(const upstream::FailedAttempt& failed,
                            upstream::Traceparent& traceparent) {
  observer_.FinishAttempt(*trace_, grpc_method_, static_cast<int>(failed.code),
                          start_ns_, failed.end_unix_ns);
  trace_ = trace_->Sibling();
  trace_->Traceparent(traceparent.text);
  start_ns_ = observability::NowUnixNanos();
}

void UpstreamTelemetry::TraceAttempts(const RequestObserver& observer,
                                      const RouteRuntime& rt,
                                      upstream::CallRequest& request) {
  if (!rt.retried || !trace) return;
  attempts = std::make_unique<AttemptSpans>(observer, rt.grpc_method, *trace,
                                            start_ns);
  request.retry_observer = attempts.get();
}

void UpstreamTelemetry::Finish(const RequestObserver& observer,
                               const RouteRuntime& rt,
                               const upstream::CallResult& result) {
  const int code = static_cast<int>(result.status.code());
  observer.FinishCall(
      attempts != nullptr ? attempts->trace() : trace,
      {.series = RouteSeriesFor(observer, rt),
       .cluster = cluster,
       .grpc_method = rt.grpc_method,
       .grpc_code = code,
       .start_ns = start_ns,
       .attempts = result.attempts,
       .retry_budget_refused = result.retry_budget_refused,
       .span_start_ns = attempts != nullptr ? attempts->start_ns() : 0});
  if (observed != nullptr)
    observed->SetUpstream(cluster, result.endpoint, code);
}

namespace {

static_assert(upstream::Traceparent::kSize == 55,
              "TraceContext::Traceparent writes a version 00 value");

// Removes the `traceparent` and `tracestate` the header rules forwarded.
void EraseTraceHeaders(upstream::Metadata& metadata) {
  std::erase_if(metadata, [](const auto& header) {
    // Views: the sizes are compared first, without a call.
    const std::string_view name = header.first;
    return name == std::string_view("traceparent") ||
           name == std::string_view("tracestate");
  });
}

}  // namespace

std::optional<observability::TraceContext> InjectTraceContext(
    const RequestObserver& observer, const RequestObservation& seen,
    upstream::Metadata& metadata, upstream::Traceparent& traceparent) {
  std::optional<observability::TraceContext> call = observer.StartCall(seen);
  if (!call) return call;
  EraseTraceHeaders(metadata);
  call->Traceparent(traceparent.text);
  if (!call->tracestate.empty()) {
    metadata.emplace_back("tracestate", std::string(call->tracestate.view()));
  }
  return call;
}

std::string_view ClientIp(std::string_view remote_address) {
  if (remote_address.starts_with('[')) {
    return remote_address.substr(1, remote_address.find(']') - 1);
  }
  return remote_address.substr(0, remote_address.rfind(':'));
}

const observability::RouteSeries* RouteSeriesFor(
    const RequestObserver& observer, const RouteRuntime& rt) {
  const observability::GatewayMetrics* m = observer.metrics();
  if (m == nullptr) return nullptr;
  return &rt.series.Get(*m, std::string_view(rt.grpc_method).substr(1),
                        rt.cluster);
}

void ObservePlan(const RequestObserver& observer,
                 const RequestObservation& seen,
                 std::shared_ptr<const Snapshot> snapshot, std::string plan,
                 aggregator::RunOptions& run) {
  auto telemetry = std::make_shared<PlanTelemetry>(
      observer, seen, std::move(snapshot), std::move(plan));
  run.resolver = [telemetry](const google::protobuf::ServiceDescriptor& svc) {
    return telemetry->Resolve(svc);
  };
  if (observer.metrics() == nullptr) return;
  run.on_step_done = [telemetry](const aggregator::StepTiming& timing) {
    if (timing.calls == 0) return;
    telemetry->observer.metrics()->plan_step_duration.Observe(
        {telemetry->plan, timing.step},
        absl::ToDoubleSeconds(timing.end - timing.start));
  };
}

void CountPlanRun(const RequestObserver& observer, std::string_view plan,
                  const aggregator::RunResult& result) {
  const observability::GatewayMetrics* m = observer.metrics();
  if (m == nullptr) return;
  m->plan_runs.Add({plan, result.status.ok() ? "ok" : "error"});
  for (const aggregator::StepTiming& timing : result.timings) {
    if (timing.coalesced > 0) {
      m->plan_calls_coalesced.Add({plan, timing.step}, timing.coalesced);
    }
    if (timing.outcome != aggregator::StepOutcome::kFailed &&
        timing.outcome != aggregator::StepOutcome::kFallback) {
      continue;
    }
    absl::StatusCode code = result.status.code();
    for (const aggregator::StepFailure& failure : result.failures) {
      if (failure.step == timing.step) code = failure.status.code();
    }
    m->plan_step_failures.Add(
        {plan, timing.step,
         observability::GrpcCodeName(static_cast<int>(code))});
  }
}

}  // namespace protogate::proxy
