#include "gateway/upstream/grpc_unary_channel.h"

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/upstream/call_validation.h"
#include "gateway/upstream/channel_reaper.h"
#include "gateway/upstream/grpc_conversions.h"
#include "gateway/upstream/grpc_stream_call.h"
#include "gateway/upstream/malformed_response.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"
#include "grpcpp/support/stub_options.h"

namespace protogate::upstream {
namespace {

// Everything one call needs until its completion callback has run.
struct PendingCall {
  grpc::ClientContext context;
  std::string method;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  CallCallback done;
  CallSizes sizes;
  // The call's own reference until it completes; cancellers hold weak ones.
  std::shared_ptr<PendingCall> self;
};

CallResult ToCallResult(PendingCall& call, const grpc::Status& status) {
  CallResult result;
  result.status = ToAbslStatus(status, call.sizes);
  MarkMalformedResponse(status, call.context.GetServerTrailingMetadata(),
                        result);
  result.headers = ToMetadata(call.context.GetServerInitialMetadata());
  const GrpcMetadataMap& trailers = call.context.GetServerTrailingMetadata();
  result.trailers = ToMetadata(trailers);
  result.status_details = StatusDetails(status, trailers);
  if (result.status.ok()) {
    if (!call.response.Valid()) {
      result.status = absl::InternalError("upstream sent no response message");
      result.malformed_response = true;
    } else {
      result.status = ByteBufferToString(call.response, result.payload);
    }
  }
  return result;
}

void Complete(PendingCall* raw, const grpc::Status& status) {
  std::shared_ptr<PendingCall> call = std::move(raw->self);
  CallResult result = ToCallResult(*call, status);
  CallCallback done = std::move(call->done);
  // Free the context (it holds a channel reference) and buffers before
  // handing over: `done` may release the last owner of the channel.
  call.reset();
  std::move(done)(std::move(result));
}

void Reject(CallCallback done, absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  std::move(done)(std::move(result));
}

}  // namespace

GrpcUnaryChannel::GrpcUnaryChannel(std::shared_ptr<grpc::Channel> channel,
                                   GrpcUnaryChannelOptions options)
    : channel_(std::move(channel)),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      options_(options) {}

GrpcUnaryChannel::~GrpcUnaryChannel() {
  stub_.reset();
  RetireChannel(std::move(channel_));
}

void GrpcUnaryChannel::Call(CallRequest request, CallCallback done) {
  if (absl::Status s = ValidateCallRequest(request); !s.ok()) {
    return Reject(std::move(done), std::move(s));
  }
  if (static_cast<int64_t>(request.payload.size()) >
      options_.max_send_message_bytes) {
    return Reject(
        std::move(done),
        absl::ResourceExhaustedError(absl::StrFormat(
            "request message of %d bytes exceeds the upstream send "
            "limit of %d bytes",
            request.payload.size(), options_.max_send_message_bytes)));
  }
  if (request.canceller != nullptr && request.canceller->cancelled()) {
    return Reject(std::move(done), absl::CancelledError("call cancelled"));
  }
  auto call = std::make_shared<PendingCall>();
  call->method = std::move(request.method);
  call->request = ByteBufferFromString(std::move(request.payload));
  call->done = std::move(done);
  call->sizes = {
      .max_receive_message_bytes = options_.max_receive_message_bytes,
      .request_bytes = call->request.Length()};
  ConfigureContext(request.deadline, options_.default_timeout, request.metadata,
                   call->context);
  if (request.canceller != nullptr) {
    // TryCancel before the call starts is kept by the context and applied
    // when it starts; after it completes it does nothing.
    request.canceller->OnCancel([weak = std::weak_ptr<PendingCall>(call)] {
      if (std::shared_ptr<PendingCall> live = weak.lock()) {
        live->context.TryCancel();
      }
    });
  }
  PendingCall* raw = call.get();
  raw->self = std::move(call);  // Released by Complete().
  stub_->UnaryCall(&raw->context, raw->method, grpc::StubOptions(),
                   &raw->request, &raw->response,
                   [raw](grpc::Status status) { Complete(raw, status); });
}

std::shared_ptr<StreamCall> GrpcUnaryChannel::Stream(
    StreamRequest request, std::shared_ptr<StreamObserver> observer) {
  return GrpcStreamCall::Start(
      *stub_, std::move(request), std::move(observer),
      {.default_timeout = options_.default_timeout,
       .max_send_message_bytes = options_.max_send_message_bytes,
       .max_receive_message_bytes = options_.max_receive_message_bytes});
}

}  // namespace protogate::upstream
