#include "gateway/server/gateway.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"
#include "gateway/server/admin.h"
#include "gateway/server/body_pump.h"
#include "gateway/server/error_response.h"
#include "gateway/server/stream_relay.h"

namespace protogate::server {
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

}  // namespace

Gateway::Gateway(std::shared_ptr<const Snapshot> snapshot,
                 GatewayOptions options)
    : options_(std::move(options)), snapshot_(std::move(snapshot)) {}

void Gateway::SetSnapshot(std::shared_ptr<const Snapshot> snapshot) {
  snapshot_.store(std::move(snapshot));
}

std::shared_ptr<const Snapshot> Gateway::snapshot() const {
  return snapshot_.load();
}

void Gateway::Handle(const http::Request& request, http::Responder responder) {
  std::shared_ptr<const Snapshot> current = snapshot();
  std::string request_id = RequestIdFor(request);
  responder = FinishingResponder(
      std::shared_ptr<const HeaderRules>(current, &current->header_rules()),
      request_id, std::move(responder));
  if (options_.admin == AdminEndpoints::kPublicListener &&
      request.path().starts_with("/-/")) {
    responder.Send(HandleAdminRequest(*current, request, serving_.load()));
    return;
  }
  HandleRoute(std::move(current), request, request_id, std::move(responder));
}

void Gateway::HandleAdmin(const http::Request& request,
                          http::Responder responder) {
  std::shared_ptr<const Snapshot> current = snapshot();
  responder = FinishingResponder(
      std::shared_ptr<const HeaderRules>(current, &current->header_rules()),
      RequestIdFor(request), std::move(responder));
  if (!request.path().starts_with("/-/")) {
    responder.Send(ErrorResponse(
        absl::StatusCode::kNotFound,
        absl::StrCat("no admin endpoint ", base::ToAbsl(request.path()))));
    return;
  }
  responder.Send(HandleAdminRequest(*current, request, serving_.load()));
}

void Gateway::HandleRoute(std::shared_ptr<const Snapshot> snapshot,
                          const http::Request& request,
                          std::string_view request_id,
                          http::Responder responder) const {
  RouteMatch match = snapshot->routes().Match(request.method(), request.path());
  if (match.outcome != RouteMatch::Outcome::kMatched) {
    responder.Send(MatchFailure(match, request));
    return;
  }
  const RouteRuntime& rt = snapshot->runtime(*match.route);
  const std::string_view content_type =
      request.header("content-type").value_or("");
  const bool client_streaming = match.route->method->client_streaming();
  if (request.body_stream() != nullptr && !client_streaming) {
    // A reload between the request head (StreamsRequestBody) and now made
    // this a route whose body must be read whole: ask for a retry.
    responder.Send(ErrorResponse(
        absl::StatusCode::kUnavailable,
        "the route changed while the request was read; retry the request"));
    return;
  }
  if ((!request.body().empty() || request.body_stream() != nullptr) &&
      !rt.request_spec.http_body &&
      rt.request_spec.body != transcoding::BodyMode::kNone &&
      !IsJsonContentType(content_type) &&
      !(client_streaming && IsNdjsonContentType(content_type))) {
    http::Response response = ErrorResponse(
        absl::StatusCode::kInvalidArgument,
        client_streaming
            ? "Content-Type must be application/json (a JSON array of "
              "messages) or application/x-ndjson"
            : "Content-Type must be application/json");
    response.status = 415;
    responder.Send(std::move(response));
    return;
  }
  absl::InlinedVector<transcoding::PathBinding, 4> bindings;
  for (size_t i = 0; i < match.variable_values.size(); ++i) {
    bindings.push_back({.field_path = &match.route->variable_fields[i],
                        .value = match.variable_values[i]});
  }
  absl::StatusOr<absl::Duration> requested = RequestedTimeout(request);
  if (!requested.ok()) {
    responder.Send(ErrorResponse(requested.status().code(),
                                 base::ToStd(requested.status().message())));
    return;
  }
  // The client may ask for a shorter deadline than the route's, not longer.
  const absl::Time deadline = absl::Now() + std::min(rt.timeout, *requested);
  absl::StatusOr<upstream::Metadata> metadata =
      snapshot->header_rules().RequestMetadata(request, request_id);
  if (!metadata.ok()) {
    responder.Send(ErrorResponse(metadata.status().code(),
                                 base::ToStd(metadata.status().message())));
    return;
  }
  if (client_streaming || match.route->method->server_streaming()) {
    HandleStream(std::move(snapshot), rt,
                 {bindings, deadline, *std::move(metadata)}, request,
                 std::move(responder));
    return;
  }
  upstream::CallRequest call;
  absl::Status built = transcoding::BuildRequest(
      snapshot->codecs(), rt.request_spec, bindings, request.query(),
      transcoding::RequestBody{.bytes = request.body(),
                               .content_type = content_type},
      options_.parse, &call.payload);
  if (!built.ok()) {
    responder.Send(ErrorResponse(built.code(), base::ToStd(built.message())));
    return;
  }
  call.method = rt.grpc_method;
  call.deadline = deadline;
  if (rt.plan != nullptr) {
    RunPlan(std::move(snapshot), rt, *std::move(metadata), std::move(call),
            std::move(responder));
    return;
  }
  call.metadata = *std::move(metadata);
  if (options_.log_requests) {
    PG_LOG(kInfo) << request.method() << " " << request.target() << " -> "
                  << rt.grpc_method << " id=" << request_id;
  }
  rt.channel->Call(
      std::move(call),
      [snapshot = std::move(snapshot), &rt, print = options_.print,
       responder = std::move(responder)](upstream::CallResult result) mutable {
        http::Response response =
            UpstreamResponse(*snapshot, rt, result, print);
        snapshot->header_rules().AddBackendHeaders(result.headers,
                                                   result.trailers, response);
        responder.Send(std::move(response));
      });
}

void Gateway::HandleStream(std::shared_ptr<const Snapshot> snapshot,
                           const RouteRuntime& rt, StreamCallParts parts,
                           const http::Request& request,
                           http::Responder responder) const {
  if (rt.channel == nullptr) {  // Plans are unary; this is defensive.
    responder.Send(ErrorResponse(absl::StatusCode::kUnimplemented,
                                 "streaming method without a backend"));
    return;
  }
  const std::string_view content_type =
      request.header("content-type").value_or("");
  const bool client_streaming = rt.route->method->client_streaming();
  upstream::StreamRequest call{.method = rt.grpc_method,
                               .write_incrementally = client_streaming,
                               .deadline = parts.deadline,
                               .metadata = std::move(parts.metadata)};
  if (!client_streaming) {  // Server streaming: one request message.
    std::string& wire = call.messages.emplace_back();
    absl::Status built = transcoding::BuildRequest(
        snapshot->codecs(), rt.request_spec, parts.bindings, request.query(),
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
  std::shared_ptr<StreamFailure> failure = relay.failure;
  std::shared_ptr<const Snapshot> pump_snapshot =
      client_streaming ? snapshot : nullptr;
  std::shared_ptr<upstream::StreamCall> handle =
      rt.route->method->server_streaming()
          ? RelayStream(std::move(snapshot), rt, std::move(call),
                        std::move(relay), std::move(responder))
          : RelayClientStream(std::move(snapshot), rt, std::move(call),
                              std::move(relay), std::move(responder));
  if (!client_streaming) return;
  // The body, still to be read (pumped as it arrives) or read whole.
  BodyPumpInput input{.body = request.body_stream() != nullptr
                                  ? request.body_stream()
                                  : WholeBody(request.body()),
                      .format = IsNdjsonContentType(content_type)
                                    ? transcoding::SequenceFormat::kNdjson
                                    : transcoding::SequenceFormat::kJsonArray,
                      .query = std::string(request.query()),
                      .parse = options_.parse};
  for (const transcoding::PathBinding& binding : parts.bindings) {
    input.path_values.emplace_back(binding.value);
  }
  StartBodyPump(std::move(pump_snapshot), rt, std::move(input),
                std::move(handle), std::move(failure));
}

bool Gateway::StreamsRequestBody(std::string_view method,
                                 std::string_view target) const {
  std::shared_ptr<const Snapshot> current = snapshot();
  if (!current->has_client_streams()) return false;
  RouteMatch match =
      current->routes().Match(method, target.substr(0, target.find('?')));
  return match.outcome == RouteMatch::Outcome::kMatched &&
         match.route->method->client_streaming() &&
         !current->runtime(*match.route).request_spec.http_body;
}

void Gateway::RunPlan(std::shared_ptr<const Snapshot> snapshot,
                      const RouteRuntime& rt, upstream::Metadata metadata,
                      upstream::CallRequest call,
                      http::Responder responder) const {
  aggregator::RunOptions run;
  run.deadline = call.deadline;
  run.headers = std::move(metadata);
  // The resolver lives in the run until its last call completes, so it
  // keeps the snapshot (plan, channels) alive for calls a failure abandoned.
  run.resolver =
      [snapshot](const google::protobuf::ServiceDescriptor& service) {
        return snapshot->ResolveService(service);
      };
  executor_.Run(
      *rt.plan, std::move(call.payload), run,
      [snapshot = std::move(snapshot), &rt, print = options_.print,
       responder = std::move(responder)](aggregator::RunResult result) mutable {
        responder.Send(PlanResponse(*snapshot, rt, result, print));
      });
}

}  // namespace protogate::server
