// CreateEndpointChannel: the grpc::Channel of one cluster endpoint, with the
// cluster's credentials (plaintext or TLS from PEM files) and channel
// arguments (message limits, keepalive, connect timeout, reconnect backoff,
// and for a scheme target the lb policy as service config). Internal to
// protogate::upstream.
//
// Thread safety: stateless; reads the TLS files.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gateway/upstream/cluster_spec.h"
#include "gateway/upstream/upstreams.h"
#include "grpcpp/channel.h"

namespace protogate::upstream {

// Whether `endpoint` is a gRPC target with a scheme ("dns:///h:p",
// "unix:///path", "ipv4:..."): one channel that resolves and balances
// addresses itself.
bool IsSchemeTarget(const std::string& endpoint);

// A channel to `endpoint` (one of cluster.endpoints) that connects lazily.
// FAILED_PRECONDITION naming the cluster and file when a TLS file cannot be
// read.
absl::StatusOr<std::shared_ptr<grpc::Channel>> CreateEndpointChannel(
    const ClusterSpec& cluster, const std::string& endpoint,
    const UpstreamOptions& options);

}  // namespace protogate::upstream
