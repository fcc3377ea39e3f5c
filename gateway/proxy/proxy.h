// Proxy: the request path. Serves one REST/JSON, gRPC or gRPC-Web request
// against a snapshot in steps:
//   1. RequestState   the snapshot's route table matches the route, and the
//                     request gets its id and its stages' Exchange;
//   2. Handle         the snapshot's pipeline stages (policy/stage.h) run in
//                     order, matched or not (PendingStages when one is
//                     asynchronous); a stage may answer instead;
//   3. Forward        answers a request that matched no route (404/405/400),
//                     checks the body (CheckBody: Content-Type) and the
//                     client's deadline headers;
//   4. CallUpstream   the protobuf request from path, query and body, then
//                     the backend call (unary) or RunPlan (a composition
//                     plan); HandleStream for streaming methods
//                     (stream_relay.h).
// A gRPC or gRPC-Web request (content-type application/grpc*, POST to
// "/package.Service/Method") matches its method by that path
// (Snapshot::FindGrpcRoute), runs the same stages, and is forwarded as
// protobuf by ForwardGrpc (grpc_relay.h); all its answers, errors of the
// stages included, are gRPC answers (grpc_answer.h).
// Every answer carries the response headers the stages added and the
// header rules' response rules and x-request-id (policy/header_rules.h).
// An empty stage chain costs nothing per request; a chain of synchronous
// stages runs on the request's thread without allocating; a chain with an
// asynchronous stage keeps the request's state on the heap while it waits.
//
// Thread safety: Handle() is called concurrently from HTTP I/O threads; the
// Proxy itself is immutable. A request keeps the snapshot it started with.
// Ownership: shares ownership of snapshots; must outlive every request it
// is serving (the http::Server that calls it).
//
// Example:
//   proxy::Proxy proxy({.log_requests = true});
//   proxy.Handle(snapshot, request, std::move(responder));
#pragma once

#include <memory>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/functional/any_invocable.h"
#include "aggregator/executor.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/observability/request_observer.h"
#include "gateway/policy/exchange.h"
#include "gateway/proxy/body_pump.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/routing/route_table.h"
#include "gateway/transcoding/options.h"
#include "gateway/transcoding/request_transcoder.h"

namespace protogate::proxy {

struct ProxyOptions {
  bool log_requests = false;
  transcoding::ParseOptions parse;
  transcoding::PrintOptions print;
  // Metrics, access log and tracing (request_telemetry.h); null: none.
  const observability::RequestObserver* observer = nullptr;
};

class Proxy {
 public:
  explicit Proxy(ProxyOptions options) : options_(std::move(options)) {}

  // Serves `request` (any path; admin endpoints are not served here).
  // REQUIRES: snapshot != nullptr.
  void Handle(std::shared_ptr<const Snapshot> snapshot,
              const http::Request& request, http::Responder responder) const;

  // For http::ServerOptions::stream_body: true when the request goes to a
  // client- or bidi-streaming route, or is a POST to the gRPC path of such
  // a method (a gRPC call), whose body is then pumped into the call as it
  // arrives instead of being read whole first. Any thread.
  static bool StreamsRequestBody(const Snapshot& snapshot,
                                 std::string_view method,
                                 std::string_view target);

 private:
  struct RequestState;
  class PendingStages;
  // Steps 3 to 5, after every stage passed.
  void Forward(RequestState& state, http::Responder responder) const;
  // Steps 3 to 5 of a gRPC or gRPC-Web request.
  void ForwardGrpc(RequestState& state, http::Responder responder) const;
  void CallUpstream(RequestState& state, const RouteRuntime& rt,
                    absl::Time deadline, http::Responder responder) const;
  // Answers a client-, server- or bidi-streaming method (stream_relay.h).
  void HandleStream(RequestState& state, const RouteRuntime& rt,
                    absl::Time deadline, http::Responder responder) const;
  // Runs the composition plan of `rt` for the fields `selection` names
  // (null: all; plan_request.h); `done` answers its result.
  using PlanDone = absl::AnyInvocable<void(aggregator::RunResult) &&>;
  void RunPlan(RequestState& state, const RouteRuntime& rt,
               upstream::Metadata metadata, upstream::CallRequest call,
               std::shared_ptr<const aggregator::FieldSelection> selection,
               PlanDone done) const;
  // The path variables of a match, as the transcoder binds them.
  static absl::InlinedVector<transcoding::PathBinding, 4> Bindings(
      const routing::RouteMatch& match);
  // What the body pump of a client-streaming call reads.
  static BodyPumpInput PumpInput(const RequestState& state,
                                 const transcoding::ParseOptions& parse);

  const ProxyOptions options_;
  const aggregator::Executor executor_{};
  // Shares identical in-flight calls of `coalesce: true` plan steps between
  // requests (and across snapshots: the key holds the method and bytes).
  const std::unique_ptr<aggregator::CallCoalescer> coalescer_ =
      std::make_unique<aggregator::CallCoalescer>();
};

}  // namespace protogate::proxy
