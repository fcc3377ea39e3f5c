// GrpcUnaryChannel: a Channel over one grpc::Channel, using the generic
// callback API (grpc::GenericStub::UnaryCall). Internal to
// protogate::upstream: other libraries see only Channel.
//
// Each Call() allocates one heap object holding the ClientContext and the
// request/response ByteBuffers; the gRPC completion callback converts the
// outcome to a CallResult, frees that object and then runs `done`.
//
// Thread safety: Call() may be called concurrently from any thread.
// Ownership: shares the grpc::Channel with other backends using the same
// target. The GrpcUnaryChannel must outlive every call it started (until its
// `done` has run); the grpc::Channel itself is kept alive by in-flight calls.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"

namespace protogate::upstream {

struct GrpcUnaryChannelOptions {
  // Deadline of a request whose deadline is absl::InfiniteFuture().
  absl::Duration default_timeout = absl::Seconds(15);
  // Requests with a larger payload fail with RESOURCE_EXHAUSTED before
  // anything is sent.
  int64_t max_send_message_bytes = 16 * 1024 * 1024;
  // The channel's receive limit: a larger response fails with INTERNAL
  // (not gRPC's RESOURCE_EXHAUSTED, which means the backend refused ours).
  int64_t max_receive_message_bytes = 16 * 1024 * 1024;
};

class GrpcUnaryChannel final : public Channel {
 public:
  // REQUIRES: `channel` is non-null.
  GrpcUnaryChannel(std::shared_ptr<grpc::Channel> channel,
                   GrpcUnaryChannelOptions options);
  GrpcUnaryChannel(const GrpcUnaryChannel&) = delete;
  GrpcUnaryChannel& operator=(const GrpcUnaryChannel&) = delete;
  // Hands the channel to the reaper (channel_reaper.h): this may run on a
  // completion callback of the channel itself.
  ~GrpcUnaryChannel() override;

  // Starts the call and returns at once; see Channel::Call. A request
  // rejected before sending (bad method or metadata: INVALID_ARGUMENT;
  // payload over the send limit: RESOURCE_EXHAUSTED) completes inline, on
  // the calling thread, before Call() returns.
  void Call(CallRequest request, CallCallback done) override;
  // Starts a streaming call (grpc_stream_call.h) with the same options.
  std::shared_ptr<StreamCall> Stream(
      StreamRequest request, std::shared_ptr<StreamObserver> observer) override;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;  // Holds a channel reference.
  GrpcUnaryChannelOptions options_;
};

}  // namespace protogate::upstream
