// ChannelReaper: destroys retired grpc::Channels on a thread of its own.
//
// Why: the last owner of a channel can be a request's completion callback
// (a snapshot replaced by a reload, or torn down at shutdown, is released
// when its last call completes). Destroying a grpc::Channel inside one of
// its own callbacks shuts down the callback machinery under the running
// callback and crashes gRPC 1.51. Channels are therefore handed here and
// destroyed on the reaper's thread, which is never a gRPC callback thread.
//
// Thread safety: Retire() may be called from any thread.
// Ownership: takes the retired references. The process-wide reaper and its
// thread live until the process exits; channels still queued then are not
// destroyed (the process is going away).
#pragma once

#include <memory>

namespace grpc {
class Channel;
}  // namespace grpc

namespace protogate::upstream {

// Hands `channel` to the process-wide reaper, which drops the reference on
// its own thread (soon, in order). A null channel is ignored.
void RetireChannel(std::shared_ptr<grpc::Channel> channel);

}  // namespace protogate::upstream
