// The calls of gRPC and gRPC-Web requests (grpc_answer.h says how they are
// answered): the request messages are read from the body's frames
// (ReadMessages) and go to the backend as they are; its response messages
// come back framed, then its status and trailing metadata.
//
// AnswerUnary and AnswerPlan answer a finished unary call or plan run:
// the message and the trailer (gRPC-Web: in one body), or trailers-only
// for an error.
//
// RelayGrpcStream runs a streaming call (any kind; PumpGrpcBody writes the
// requests of client and bidi streams as they arrive): each response message
// is written to the client as soon as it arrives, and the next is read from
// the backend only once it was written to the client's socket (as
// stream_relay.h does for REST); a client that goes away cancels the call.
// An error before the first message is a trailers-only answer; after it,
// the trailer ends the stream.
//
// Thread safety: start from any thread; a stream relay runs on the thread
// of its upstream call and keeps the snapshot alive until the call ends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aggregator/run_result.h"
#include "gateway/http/body_stream.h"
#include "gateway/http/request.h"
#include "gateway/http/responder.h"
#include "gateway/observability/request_observer.h"
#include "gateway/proxy/grpc_answer.h"
#include "gateway/proxy/request_telemetry.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

// A gRPC or gRPC-Web call of a known method whose request passed the
// stages.
struct GrpcCall {
  std::shared_ptr<const Snapshot> snapshot;
  const RouteRuntime& rt;  // Belongs to `snapshot`.
  GrpcFormat format;
  const http::Request& request;  // Valid until the answer is sent.
  absl::Time deadline;
  upstream::Metadata metadata;
  // The call's own traceparent (InjectTraceContext); empty when tracing is
  // off. A plan's steps make their own.
  upstream::Traceparent traceparent;
  // Telemetry of a unary call (request_telemetry.h); unset when it is off.
  const observability::RequestObserver* observer = nullptr;
  std::optional<UpstreamTelemetry> telemetry;
  // Runs rt's composition plan with the request message and answers it;
  // called (if at all) before ServeGrpc returns.
  absl::AnyInvocable<void(upstream::Metadata, std::string, http::Responder)>
      run_plan;
};

// Serves `call`: gRPC-Web client streams are UNIMPLEMENTED; client and
// bidi streams (gRPC) go to RelayGrpcStream and PumpGrpcBody; other calls
// need exactly one request message (INVALID_ARGUMENT otherwise, or
// ReadMessages' errors), then run the plan, RelayGrpcStream (server
// streams) or Channel::Call and AnswerUnary.
void ServeGrpc(GrpcCall call, http::Responder responder);

// The messages of a whole request body: base64-decoded in the text mode,
// then split into frames. INVALID_ARGUMENT for bad base64 or framing,
// RESOURCE_EXHAUSTED for a message over `max_message_bytes`,
// UNIMPLEMENTED for a compressed one (grpcweb/frame_reader.h).
absl::StatusOr<std::vector<std::string>> ReadMessages(const GrpcFormat& format,
                                                      std::string_view body,
                                                      size_t max_message_bytes);

// Answers a finished unary call of `method` ("/pkg.Svc/Method").
void AnswerUnary(const GrpcFormat& format, std::string_view method,
                 upstream::CallResult result, http::Responder responder);

// Answers a finished plan run: its merged message, the plan's response
// headers and Server-Timing as initial metadata.
void AnswerPlan(const GrpcFormat& format, aggregator::RunResult result,
                http::Responder responder);

// Why a request body stopped before its end (a bad frame, a read error);
// set by PumpGrpcBody, read by the relay when the call ends.
// Thread safety: any thread.
class GrpcBodyFailure {
 public:
  void Set(absl::Status status) {
    absl::MutexLock lock(&mu_);
    if (!status_.has_value()) status_ = std::move(status);
  }
  std::optional<absl::Status> Get() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<absl::Status> status_ ABSL_GUARDED_BY(mu_);
};

// Starts the streaming call `request` of `rt` and returns its handle (for
// writing request messages incrementally). When `failure` (may be null)
// holds a status at the end, the trailer carries it instead of the call's
// (CANCELLED). REQUIRES: rt.channel != nullptr and `rt` belongs to
// `snapshot`.
std::shared_ptr<upstream::StreamCall> RelayGrpcStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    GrpcFormat format, upstream::StreamRequest request,
    std::shared_ptr<GrpcBodyFailure> failure, http::Responder responder);

// Where request messages come from: the body still being read, or, when
// `stream` is null, the whole body.
struct GrpcBodySource {
  std::shared_ptr<http::BodyStream> stream;
  std::string whole;
};

// Reads the messages of `source` as they arrive and writes them to `call`
// (opened with write_incrementally) one at a time, each after the previous
// was handed to the transport; half-closes at the body's end. A bad frame
// or a failed read sets `failure` and cancels the call; a client that goes
// away fails the read, so the call is cancelled with it.
void PumpGrpcBody(GrpcBodySource source,
                  std::shared_ptr<upstream::StreamCall> call,
                  size_t max_message_bytes,
                  std::shared_ptr<GrpcBodyFailure> failure);

}  // namespace protogate::proxy
