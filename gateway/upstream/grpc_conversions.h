// Conversions between gRPC's types and the upstream interface's, shared by
// the unary and streaming calls. Internal to protogate::upstream.
//
// Thread safety: stateless functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"

namespace protogate::upstream {

using GrpcMetadataMap = std::multimap<grpc::string_ref, grpc::string_ref>;

// Sets up a call's context: its deadline (`deadline`, or `default_timeout`
// from now for InfiniteFuture()), fail-fast (UNAVAILABLE at once while the
// backend cannot be reached, instead of queueing until the deadline), and
// the request metadata.
void ConfigureContext(absl::Time deadline, absl::Duration default_timeout,
                      const Metadata& metadata, grpc::ClientContext& context);

// Wraps `payload` in a ByteBuffer without copying: the slice owns the moved
// string and deletes it when gRPC drops its last reference.
grpc::ByteBuffer ByteBufferFromString(std::string&& payload);

// INTERNAL if the buffer cannot be read.
absl::Status ByteBufferToString(const grpc::ByteBuffer& buffer,
                                std::string& out);

// Metadata minus grpc-status, grpc-message and grpc-status-details-bin.
Metadata ToMetadata(const GrpcMetadataMap& map);

// The serialized google.rpc.Status of a failed call, or empty.
std::string StatusDetails(const grpc::Status& status,
                          const GrpcMetadataMap& trailers);

// What a call knows about its own sizes, to tell our receive limit apart
// from the backend's.
struct CallSizes {
  int64_t max_receive_message_bytes = 0;
  size_t request_bytes = 0;
};

// The call's status as an absl::Status. gRPC fails a response over our
// receive limit with RESOURCE_EXHAUSTED "Received message larger than max
// (N vs. LIMIT)", the same words a backend uses when our request is over its
// limit; ours (our LIMIT, N other than the request's size) becomes INTERNAL.
absl::Status ToAbslStatus(const grpc::Status& status, const CallSizes& sizes);

// When gRPC reports a response that was not valid gRPC (see
// malformed_response.h for the statuses gRPC 1.51 gives) or one over the
// receive limit (`result.status` INTERNAL from ToAbslStatus), sets
// result.malformed_response and, for the former, an INTERNAL status.
void MarkMalformedResponse(const grpc::Status& status,
                           const GrpcMetadataMap& trailers, CallResult& result);

}  // namespace protogate::upstream
