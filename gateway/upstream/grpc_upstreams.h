// GrpcUpstreams: the gRPC implementation of Upstreams (see upstreams.h),
// returned by Upstreams::Create().
//
// One grpc::Channel per distinct target (backends naming the same target
// share it), created with insecure credentials and the channel arguments
// derived from UpstreamOptions: message size limits, keepalive time and the
// maximum reconnect backoff. Channels connect lazily, on the first call.
//
// Thread safety: immutable after Create(); Resolve() and the channels may be
// used concurrently from any thread.
// Ownership: owns the channels; a channel returned by Resolve() lives as
// long as the GrpcUpstreams, which must outlive every call started on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/upstream/grpc_unary_channel.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

class GrpcUpstreams final : public Upstreams {
 public:
  // Returns INVALID_ARGUMENT for an empty or malformed name (empty segment,
  // e.g. "a..b"), an empty target, a name given twice, or an option out of
  // range (non-positive timeout, message size or keepalive time). Messages
  // name the backend (by index and name) or the option.
  static absl::StatusOr<std::unique_ptr<GrpcUpstreams>> Create(
      std::vector<BackendSpec> backends, UpstreamOptions options);

  // Longest match at '.' boundaries: "demo" matches "demo.bookstore.v1.X",
  // "demo.book" does not. Returns nullptr when nothing matches.
  UnaryChannel* Resolve(std::string_view service_full_name) const override;

 private:
  GrpcUpstreams() = default;

  absl::flat_hash_map<std::string, std::unique_ptr<GrpcUnaryChannel>> by_name_;
};

}  // namespace protogate::upstream
