#include "gateway/proxy/proxy.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"
#include "gateway/base/thread_block_cache.h"
#include "gateway/policy/header_rules.h"
#include "gateway/proxy/body_pump.h"
#include "gateway/proxy/client_cancel.h"
#include "gateway/proxy/error_response.h"
#include "gateway/proxy/grpc_answer.h"
#include "gateway/proxy/grpc_relay.h"
#include "gateway/proxy/plan_request.h"
#include "gateway/proxy/request_telemetry.h"
#include "gateway/proxy/stream_relay.h"

namespace protogate::proxy {
namespace {

using routing::RouteMatch;

bool IsJsonContentType(std::string_view value) {
  absl::string_view type = base::ToAbsl(value.substr(0, value.find(';')));
  return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(type),
                                "application/json");
}

// The deadline a client asks for with `grpc-timeout` (gRPC's form: up to 8
// digits and a unit H, M, S, m, u or n) or `x-server-timeout` (seconds,
// decimals allowed), or InfiniteDuration when it asks for none.
// InvalidArgument naming the header for a malformed value.
absl::StatusOr<absl::Duration> RequestedTimeout(const http::Request& request) {
  if (auto value = request.header("grpc-timeout")) {
    absl::string_view v = base::ToAbsl(*value);
    int64_t amount = 0;
    if (v.size() >= 2 && v.size() <= 9 &&
        absl::SimpleAtoi(v.substr(0, v.size() - 1), &amount) && amount >= 0) {
      switch (v.back()) {
        case 'H':
          return absl::Hours(amount);
        case 'M':
          return absl::Minutes(amount);
        case 'S':
          return absl::Seconds(amount);
        case 'm':
          return absl::Milliseconds(amount);
        case 'u':
          return absl::Microseconds(amount);
        case 'n':
          return absl::Nanoseconds(amount);
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "header grpc-timeout: invalid value \"", v,
        "\" (expected up to 8 digits and a unit H, M, S, m, u or n)"));
  }
  if (auto value = request.header("x-server-timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(base::ToAbsl(*value), &seconds) || !(seconds >= 0) ||
        seconds > 1e9) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header x-server-timeout: invalid value \"", base::ToAbsl(*value),
          "\" (expected seconds, e.g. 1.5)"));
    }
    return absl::Seconds(seconds);
  }
  return absl::InfiniteDuration();
}

// The answer to a request that matched no route.
http::Response MatchFailure(const RouteMatch& match,
                            const http::Request& request) {
  switch (match.outcome) {
    case RouteMatch::Outcome::kMethodNotAllowed: {
      http::Response response = ErrorResponse(
          absl::StatusCode::kUnimplemented,
          absl::StrCat("method ", request.method(), " is not allowed for ",
                       base::ToAbsl(request.path()), " (allowed: ", match.allow,
                       ")"));
      response.status = 405;
      response.headers.emplace_back("Allow", match.allow);
      return response;
    }
    case RouteMatch::Outcome::kBadRequest:
      return ErrorResponse(absl::StatusCode::kInvalidArgument, match.error);
    case RouteMatch::Outcome::kNotFound:
    case RouteMatch::Outcome::kMatched:
      break;
  }
  return ErrorResponse(absl::StatusCode::kNotFound,
                       absl::StrCat("no route for ", request.method(), " ",
                                    base::ToAbsl(request.path())));
}

// The gRPC protocol of a request: kNone unless it is a POST with an
// application/grpc* content type.
grpcweb::Protocol GrpcProtocolOf(const http::Request& request) {
  if (request.method() != "POST") return grpcweb::Protocol::kNone;
  const std::optional<std::string_view> type = request.header("content-type");
  return type.has_value() ? grpcweb::ProtocolOf(*type)
                          : grpcweb::Protocol::kNone;
}

// The route match of a request: gRPC requests match their method by its
// gRPC path, whatever the route table's templates say.
RouteMatch MatchRequest(const Snapshot& snapshot, const http::Request& request,
                        grpcweb::Protocol protocol) {
  if (protocol == grpcweb::Protocol::kNone) {
    return snapshot.routes().Match(request.method(), request.path());
  }
  RouteMatch match;
  match.route = snapshot.FindGrpcRoute(request.path());
  match.outcome = match.route != nullptr ? RouteMatch::Outcome::kMatched
                                         : RouteMatch::Outcome::kNotFound;
  return match;
}

policy::Exchange::Match ExchangeMatch(const RouteMatch& match,
                                      const Snapshot& snapshot) {
  policy::Exchange::Match m{.outcome = match.outcome, .route = match.route};
  if (match.route != nullptr) {
    m.route_index =
        static_cast<size_t>(match.route - snapshot.routes().routes().data());
  }
  m.allowed_methods = match.allow;
  return m;
}

// The body checks of a matched route: 415 for a Content-Type the route
// cannot read, 503 when a reload turned a streamed body's route into one
// whose body must be read whole. nullopt when the body is acceptable.
std::optional<http::Response> CheckBody(const RouteRuntime& rt,
                                        const http::Request& request) {
  const bool client_streaming = rt.route->method->client_streaming();
  if (request.body_stream() != nullptr && !client_streaming) {
    return ErrorResponse(
        absl::StatusCode::kUnavailable,
        "the route changed while the request was read; retry the request");
  }
  const std::string_view content_type =
      request.header("content-type").value_or("");
  if ((request.body().empty() && request.body_stream() == nullptr) ||
      rt.request_spec.http_body ||
      rt.request_spec.body == transcoding::BodyMode::kNone ||
      IsJsonContentType(content_type) ||
      (client_streaming && IsNdjsonContentType(content_type))) {
    return std::nullopt;
  }
  http::Response response = ErrorResponse(
      absl::StatusCode::kInvalidArgument,
      client_streaming ? "Content-Type must be application/json (a JSON array "
                         "of messages) or application/x-ndjson"
                       : "Content-Type must be application/json");
  response.status = 415;
  return response;
}

}  // namespace

// What one request carries through the steps: the snapshot it started
// with, its route match, its id and the stages' exchange (which refers to
// the members before it, so the state never moves).
struct Proxy::RequestState {
  RequestState(std::shared_ptr<const Snapshot> s, const http::Request& r,
               const observability::RequestObserver* o, grpcweb::Protocol p)
      : snapshot(std::move(s)),
        request(r),
        protocol(p),
        match(MatchRequest(*snapshot, r, p)),
        request_id(policy::RequestIdFor(r)),
        exchange(r, request_id, ExchangeMatch(match, *snapshot)),
        observer(o) {
    if (observer != nullptr) {
      // tracestate is read only with a traceparent (alone it is dropped).
      const std::string_view traceparent = r.header("traceparent").value_or("");
      observation = observer->Start(
          traceparent,
          traceparent.empty() ? "" : r.header("tracestate").value_or(""));
    }
  }
  RequestState(const RequestState&) = delete;
  RequestState& operator=(const RequestState&) = delete;

  // A responder that finishes every answer with the stages' response
  // headers and the header rules (x-request-id, response rules), and
  // observes it when telemetry observes this request's answer (one sink
  // does both).
  http::Responder Finishing(http::Responder inner) {
    if (observer != nullptr && observer->ObservesAnswer(observation)) {
      return Observed(std::move(inner));
    }
    return policy::FinishingResponder(Finisher(snapshot->shared_header_rules()),
                                      std::move(inner));
  }

  // The route label: "pkg.Service/Method", "-" when none matched.
  std::string_view RouteLabel() const {
    if (match.outcome != RouteMatch::Outcome::kMatched) {
      return observability::kUnknownRoute;
    }
    return std::string_view(snapshot->runtime(*match.route).grpc_method)
        .substr(1);
  }

  // What finishes the answer (moves the stages' response headers out).
  policy::ResponseFinisher Finisher(
      std::shared_ptr<const policy::HeaderRules> rules) {
    return policy::ResponseFinisher(std::move(rules), std::string(request_id),
                                    std::move(exchange.response_headers()));
  }

  // Finishing() of an observed answer: one sink that finishes and observes
  // it.
  http::Responder Observed(http::Responder inner) {
    AnswerDetails details{
        .route = RouteLabel(),
        .series =
            match.outcome == RouteMatch::Outcome::kMatched
                ? RouteSeriesFor(*observer, snapshot->runtime(*match.route))
                : nullptr,
        .method = request.method(),
        .bytes_in = request.body().size(),
        .stages = exchange.outcomes()};
    if (observer->logs_requests()) {
      details.target = request.target();
      details.request_id = request_id;
      details.client_ip = ClientIp(request.remote_address());
      details.subject = exchange.identity().subject;
    }
    // The rules alias the snapshot: the sink's one hold on it keeps the
    // header rules and the views of `details` alive.
    return ObserveAnswer(*observer, observation, std::move(details),
                         Finisher(std::shared_ptr<const policy::HeaderRules>(
                             snapshot, &snapshot->header_rules())),
                         &observed, std::move(inner));
  }

  std::shared_ptr<const Snapshot> snapshot;
  const http::Request& request;
  const grpcweb::Protocol protocol;  // kNone: REST.
  const RouteMatch match;
  const std::string request_id;
  policy::Exchange exchange;
  // Telemetry (request_telemetry.h); unused when observer is null.
  const observability::RequestObserver* const observer;
  observability::RequestObservation observation;
  ObservedAnswer* observed = nullptr;  // Valid until the answer is sent.

  // The telemetry of one upstream call made with `metadata` and
  // `traceparent` (its trace context written into them); unset when
  // telemetry is off.
  std::optional<UpstreamTelemetry> CallTelemetry(
      const RouteRuntime& rt, upstream::Metadata& metadata,
      upstream::Traceparent& traceparent) const {
    if (observer == nullptr) return std::nullopt;
    std::optional<UpstreamTelemetry> telemetry(std::in_place, observed);
    telemetry->trace =
        InjectTraceContext(*observer, observation, metadata, traceparent);
    telemetry->cluster = rt.cluster;
    return telemetry;
  }
};

// The state of a request whose chain has an asynchronous stage: kept on the
// heap while a stage waits, resumed by the stage's callback.
class Proxy::PendingStages
    : public std::enable_shared_from_this<PendingStages> {
 public:
  PendingStages(const Proxy& proxy, std::shared_ptr<const Snapshot> snapshot,
                const http::Request& request, grpcweb::Protocol protocol,
                http::Responder responder)
      : proxy_(proxy),
        state_(std::move(snapshot), request, proxy.options_.observer, protocol),
        responder_(std::move(responder)) {}

  // Runs the stages from `next` on; returns when one waits or all ran.
  void Run(size_t next) {
    const policy::StageChain& chain = state_.snapshot->stages();
    for (; next < chain.size(); ++next) {
      const policy::Stage& stage = chain.stage(next);
      if (stage.asynchronous()) {
        // The callback holds only `self` (16 bytes): AnyInvocable stores it
        // inline, without an allocation per request.
        resume_at_ = next + 1;
        stage.ApplyAsync(state_.exchange, [self = shared_from_this()](
                                              policy::Verdict verdict) mutable {
          if (self->Answered(std::move(verdict))) return;
          self->Run(self->resume_at_);
        });
        return;
      }
      if (Answered(stage.Apply(state_.exchange))) return;
    }
    proxy_.Forward(state_, state_.Finishing(std::move(responder_)));
  }

 private:
  bool Answered(policy::Verdict&& verdict) {
    if (verdict.kind != policy::Verdict::Kind::kAnswer) return false;
    state_.Finishing(std::move(responder_)).Send(std::move(verdict.response));
    return true;
  }

  const Proxy& proxy_;
  RequestState state_;
  http::Responder responder_;
  size_t resume_at_ = 0;  // The stage after the one that waits.
};

void Proxy::Handle(std::shared_ptr<const Snapshot> snapshot,
                   const http::Request& request,
                   http::Responder responder) const {
  const grpcweb::Protocol protocol = GrpcProtocolOf(request);
  if (protocol != grpcweb::Protocol::kNone) {
    if (protocol == grpcweb::Protocol::kGrpc &&
        request.http_version() != http::HttpVersion::kHttp2) {
      responder.Send(GrpcNeedsHttp2());
      return;
    }
    responder =
        GrpcAnswering(GrpcFormat(protocol, *request.header("content-type")),
                      std::move(responder));
  }
  const policy::StageChain& chain = snapshot->stages();
  if (chain.has_asynchronous()) {
    // Too large for malloc's per-thread cache: recycled per thread.
    std::allocate_shared<PendingStages>(
        base::ThreadBlockAllocator<PendingStages>(), *this, std::move(snapshot),
        request, protocol, std::move(responder))
        ->Run(0);
    return;
  }
  RequestState state(std::move(snapshot), request, options_.observer, protocol);
  for (size_t i = 0; i < chain.size(); ++i) {
    policy::Verdict verdict = chain.stage(i).Apply(state.exchange);
    if (verdict.kind == policy::Verdict::Kind::kAnswer) {
      state.Finishing(std::move(responder)).Send(std::move(verdict.response));
      return;
    }
  }
  Forward(state, state.Finishing(std::move(responder)));
}

void Proxy::Forward(RequestState& state, http::Responder responder) const {
  if (state.protocol != grpcweb::Protocol::kNone) {
    ForwardGrpc(state, std::move(responder));
    return;
  }
  if (state.match.outcome != RouteMatch::Outcome::kMatched) {
    responder.Send(MatchFailure(state.match, state.request));
    return;
  }
  const RouteRuntime& rt = state.snapshot->runtime(*state.match.route);
  if (std::optional<http::Response> refused = CheckBody(rt, state.request)) {
    responder.Send(*std::move(refused));
    return;
  }
  absl::StatusOr<absl::Duration> requested = RequestedTimeout(state.request);
  if (!requested.ok()) {
    responder.Send(ErrorResponse(requested.status().code(),
                                 base::ToStd(requested.status().message())));
    return;
  }
  // The client may ask for a shorter deadline than the route's, not longer.
  const absl::Time deadline = absl::Now() + std::min(rt.timeout, *requested);
  const google::protobuf::MethodDescriptor& method = *rt.route->method;
  if (method.client_streaming() || method.server_streaming()) {
    HandleStream(state, rt, deadline, std::move(responder));
  } else {
    CallUpstream(state, rt, deadline, std::move(responder));
  }
}

absl::InlinedVector<transcoding::PathBinding, 4> Proxy::Bindings(
    const RouteMatch& match) {
  absl::InlinedVector<transcoding::PathBinding, 4> bindings;
  for (size_t i = 0; i < match.variable_values.size(); ++i) {
    bindings.push_back({.field_path = &match.route->variable_fields[i],
                        .value = match.variable_values[i]});
  }
  return bindings;
}

void Proxy::CallUpstream(RequestState& state, const RouteRuntime& rt,
                         absl::Time deadline, http::Responder responder) const {
  const http::Request& request = state.request;
  // A plan's field selection (`fields`) is not a request field.
  absl::StatusOr<PlanQuery> plan_query;
  if (rt.plan != nullptr) {
    plan_query = ReadPlanQuery(*rt.plan, request);
    if (!plan_query.ok()) {
      responder.Send(ErrorResponse(plan_query.status().code(),
                                   base::ToStd(plan_query.status().message())));
      return;
    }
  }
  upstream::CallRequest call;
  absl::Status built = transcoding::BuildRequest(
      state.snapshot->codecs(), rt.request_spec, Bindings(state.match),
      rt.plan != nullptr ? std::string_view(plan_query->query)
                         : request.query(),
      transcoding::RequestBody{
          .bytes = request.body(),
          .content_type = request.header("content-type").value_or("")},
      options_.parse, &call.payload);
  if (!built.ok()) {
    responder.Send(ErrorResponse(built.code(), base::ToStd(built.message())));
    return;
  }
  call.method = rt.grpc_method;
  call.deadline = deadline;
  if (rt.plan != nullptr) {
    RunPlan(state, rt, std::move(state.exchange.metadata()), std::move(call),
            std::move(plan_query->selection),
            [snapshot = state.snapshot, &rt, print = options_.print,
             responder =
                 std::move(responder)](aggregator::RunResult result) mutable {
              responder.Send(PlanResponse(*snapshot, rt, result, print));
            });
    return;
  }
  call.metadata = std::move(state.exchange.metadata());
  call.canceller = CancelWithClient(request);
  if (options_.log_requests) {
    PG_LOG(kInfo) << request.method() << " " << request.target() << " -> "
                  << rt.grpc_method << " id=" << state.request_id;
  }
  std::optional<UpstreamTelemetry> telemetry =
      state.CallTelemetry(rt, call.metadata, call.traceparent);
  if (telemetry) telemetry->TraceAttempts(*state.observer, rt, call);
  rt.channel->Call(
      std::move(call),
      [snapshot = state.snapshot, &rt, print = options_.print,
       observer = state.observer, telemetry = std::move(telemetry),
       responder = std::move(responder)](upstream::CallResult result) mutable {
        if (telemetry) telemetry->Finish(*observer, rt, result);
        http::Response response =
            UpstreamResponse(*snapshot, rt, result, print);
        snapshot->header_rules().AddBackendHeaders(result.headers,
                                                   result.trailers, response);
        responder.Send(std::move(response));
      });
}
void Proxy::HandleStream(RequestState& state, const RouteRuntime& rt,
                         absl::Time deadline, http::Responder responder) const {
  if (rt.channel == nullptr) {  // Plans are unary; this is defensive.
    responder.Send(ErrorResponse(absl::StatusCode::kUnimplemented,
                                 "streaming method without a backend"));
    return;
  }
  const http::Request& request = state.request;
  const std::string_view content_type =
      request.header("content-type").value_or("");
  const bool client_streaming = rt.route->method->client_streaming();
  upstream::StreamRequest call{
      .method = rt.grpc_method,
      .write_incrementally = client_streaming,
      .deadline = deadline,
      .metadata = std::move(state.exchange.metadata())};
  std::optional<UpstreamTelemetry> telemetry =
      state.CallTelemetry(rt, call.metadata, call.traceparent);
  if (!client_streaming) {  // Server streaming: one request message.
    std::string& wire = call.messages.emplace_back();
    absl::Status built = transcoding::BuildRequest(
        state.snapshot->codecs(), rt.request_spec, Bindings(state.match),
        request.query(),
        transcoding::RequestBody{.bytes = request.body(),
                                 .content_type = content_type},
        options_.parse, &wire);
    if (!built.ok()) {
      responder.Send(ErrorResponse(built.code(), base::ToStd(built.message())));
      return;
    }
  }
  if (options_.log_requests) {
    PG_LOG(kInfo) << request.method() << " " << request.target() << " -> "
                  << rt.grpc_method << " (stream)";
  }
  RelayOptions relay{
      .format = NegotiateStreamFormat(request.header("accept").value_or("")),
      .print = options_.print,
      .failure =
          client_streaming ? std::make_shared<StreamFailure>() : nullptr};
  if (telemetry) {
    relay.on_done = [observer = state.observer, &rt,
                     telemetry = *std::move(telemetry)](
                        const upstream::CallResult& result) mutable {
      telemetry.Finish(*observer, rt, result);
    };
  }
  if (!client_streaming) {
    RelayStream(state.snapshot, rt, std::move(call), std::move(relay),
                std::move(responder));
    return;
  }
  std::shared_ptr<StreamFailure> failure = relay.failure;
  std::shared_ptr<upstream::StreamCall> handle =
      rt.route->method->server_streaming()
          ? RelayStream(state.snapshot, rt, std::move(call), std::move(relay),
                        std::move(responder))
          : RelayClientStream(state.snapshot, rt, std::move(call),
                              std::move(relay), std::move(responder));
  StartBodyPump(state.snapshot, rt, PumpInput(state, options_.parse),
                std::move(handle), std::move(failure));
}

BodyPumpInput Proxy::PumpInput(const RequestState& state,
                               const transcoding::ParseOptions& parse) {
  const http::Request& request = state.request;
  // The body, still to be read (pumped as it arrives) or read whole.
  BodyPumpInput input{
      .body = request.body_stream() != nullptr ? request.body_stream()
                                               : WholeBody(request.body()),
      .format = IsNdjsonContentType(request.header("content-type").value_or(""))
                    ? transcoding::SequenceFormat::kNdjson
                    : transcoding::SequenceFormat::kJsonArray,
      .query = std::string(request.query()),
      .parse = parse};
  for (const std::string& value : state.match.variable_values) {
    input.path_values.push_back(value);
  }
  return input;
}

bool Proxy::StreamsRequestBody(const Snapshot& snapshot,
                               std::string_view method,
                               std::string_view target) {
  if (!snapshot.has_client_streams()) return false;
  const std::string_view path = target.substr(0, target.find('?'));
  if (method == "POST") {  // gRPC calls stream the requests of such methods.
    const routing::Route* grpc = snapshot.FindGrpcRoute(path);
    if (grpc != nullptr && grpc->method->client_streaming()) return true;
  }
  RouteMatch match = snapshot.routes().Match(method, path);
  return match.outcome == RouteMatch::Outcome::kMatched &&
         match.route->method->client_streaming() &&
         !snapshot.runtime(*match.route).request_spec.http_body;
}

void Proxy::RunPlan(RequestState& state, const RouteRuntime& rt,
                    upstream::Metadata metadata, upstream::CallRequest call,
                    std::shared_ptr<const aggregator::FieldSelection> selection,
                    PlanDone done) const {
  std::shared_ptr<const Snapshot> snapshot = state.snapshot;
  aggregator::RunOptions run;
  run.deadline = call.deadline;
  run.selection = std::move(selection);
  run.coalescer = coalescer_.get();
  run.request_id = state.request_id;
  run.identity = std::move(state.exchange.identity_metadata());
  run.headers = std::move(metadata);
  // The resolver lives in the run until its last call completes, so it
  // keeps the snapshot (plan, channels) alive for calls a failure abandoned.
  if (state.observer != nullptr) {  // A resolver observing the same channels.
    ObservePlan(*state.observer, state.observation, snapshot,
                std::string(state.RouteLabel()), run);
  } else {
    run.resolver =
        [snapshot](const google::protobuf::ServiceDescriptor& service) {
          return snapshot->ResolveService(service);
        };
  }
  executor_.Run(
      *rt.plan, std::move(call.payload), std::move(run),
      [&rt, observer = state.observer, observed = state.observed,
       done = std::move(done)](aggregator::RunResult result) mutable {
        if (observer != nullptr) {
          CountPlanRun(*observer, std::string_view(rt.grpc_method).substr(1),
                       result);
          if (observed != nullptr) {
            observed->SetPlanSteps(static_cast<int>(result.timings.size()));
          }
        }
        std::move(done)(std::move(result));
      });
}

void Proxy::ForwardGrpc(RequestState& state, http::Responder responder) const {
  const http::Request& request = state.request;
  const GrpcFormat format(state.protocol, *request.header("content-type"));
  auto fail = [&](const absl::Status& status) {
    responder.Send(
        TrailersOnly(format, {.code = static_cast<int>(status.code()),
                              .message = std::string(status.message())}));
  };
  if (state.match.outcome != RouteMatch::Outcome::kMatched) {
    fail(absl::UnimplementedError(
        absl::StrCat("unknown method ", base::ToAbsl(request.path()))));
    return;
  }
  const RouteRuntime& rt = state.snapshot->runtime(*state.match.route);
  absl::StatusOr<absl::Duration> requested = RequestedTimeout(request);
  if (!requested.ok()) {
    fail(requested.status());
    return;
  }
  if (options_.log_requests) {
    PG_LOG(kInfo) << request.method() << " " << request.target() << " -> "
                  << rt.grpc_method << " (" << format.content_type() << ")";
  }
  GrpcCall call{.snapshot = state.snapshot,
                .rt = rt,
                .format = format,
                .request = request,
                .deadline = absl::Now() + std::min(rt.timeout, *requested),
                .metadata = std::move(state.exchange.metadata()),
                .observer = state.observer};
  call.telemetry = state.CallTelemetry(rt, call.metadata, call.traceparent);
  // Runs before ServeGrpc returns, while `state` lives.
  call.run_plan = [this, &state, &rt, format, deadline = call.deadline](
                      upstream::Metadata metadata, std::string payload,
                      http::Responder responder) {
    RunPlan(state, rt, std::move(metadata),
            {.payload = std::move(payload), .deadline = deadline},
            /*selection=*/nullptr,
            [format, responder = std::move(responder)](
                aggregator::RunResult result) mutable {
              AnswerPlan(format, std::move(result), std::move(responder));
            });
  };
  ServeGrpc(std::move(call), std::move(responder));
}

}  // namespace protogate::proxy
