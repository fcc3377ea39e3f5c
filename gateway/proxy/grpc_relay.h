// The calls of gRPC and gRPC-Web requests (grpc_answer.h says how they are
// answered): the request messages are read from the body's frames
// (ReadMessages) and go to the backend as they are; its response messages
// come back framed, then its status and trailing metadata.
//
// AnswerUnary and AnswerPlan answer a finished unary call or plan run:
// the message and the trailer (gRPC-Web: in one body), or trailers-only
// for an error.
//
// RelayGrpcStream runs a streaming call (any kind): each response message
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
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "aggregator/run_result.h"
#include "gateway/http/responder.h"
#include "gateway/proxy/grpc_answer.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

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

// Starts the streaming call `request` of `rt` and returns its handle (for
// writing request messages incrementally). REQUIRES: rt.channel != nullptr
// and `rt` belongs to `snapshot`.
std::shared_ptr<upstream::StreamCall> RelayGrpcStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    GrpcFormat format, upstream::StreamRequest request,
    http::Responder responder);

}  // namespace protogate::proxy
