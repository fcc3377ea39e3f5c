// GrpcCluster: a Channel over the endpoints of one cluster. Internal to
// protogate::upstream: other libraries see only Channel.
//
// One grpc::Channel per endpoint, created once and shared by every route
// of the cluster (and by the health checks and streaming calls); unary calls
// to a plaintext "host:port" endpoint go over protogate's own HTTP/2 client
// instead (h2_channel.h), which keeps them on the caller's event loop. A call
// goes to an endpoint chosen among the healthy ones (see health_monitor.h;
// without health checks all are healthy): ROUND_ROBIN takes the next one after
// an atomic counter, PICK_FIRST the first in list order. Among healthy
// endpoints, those whose channel is in TRANSIENT_FAILURE (connection refused,
// ...) (or whose own HTTP/2 client is backing off after a failed connection
// attempt) are passed over while another one is not. A scheme target
// ("dns:///...") is one endpoint whose channel balances the resolved addresses
// itself.
//
// Thread safety: Call() may be called concurrently from any thread.
// Ownership: owns the endpoints' GrpcUnaryChannels; shares their channels
// and health flags with the HealthMonitor. Must outlive every call started
// on it (until its callback has run).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/cluster_spec.h"
#include "gateway/upstream/grpc_unary_channel.h"
#include "gateway/upstream/h2_channel.h"
#include "gateway/upstream/health_monitor.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

class GrpcCluster final : public Channel {
 public:
  // Creates the channels (they connect lazily, on the first call or check).
  // REQUIRES: `spec` is valid (see Upstreams::Create). FAILED_PRECONDITION
  // when a TLS file cannot be read.
  static absl::StatusOr<std::unique_ptr<GrpcCluster>> Create(
      const ClusterSpec& spec, const UpstreamOptions& options);
  GrpcCluster(const GrpcCluster&) = delete;
  GrpcCluster& operator=(const GrpcCluster&) = delete;
  // Hands the channels to the reaper: this may run in a gRPC callback.
  ~GrpcCluster() override;

  // Forwards the call to the picked endpoint (see GrpcUnaryChannel::Call).
  // When no endpoint is healthy, completes inline with UNAVAILABLE
  // `cluster "NAME": no healthy endpoint (N of N failing health checks)`.
  void Call(CallRequest request, CallCallback done) override;
  // Starts a streaming call on the picked endpoint, or completes it inline
  // with the same UNAVAILABLE when none is healthy.
  std::shared_ptr<StreamCall> Stream(
      StreamRequest request, std::shared_ptr<StreamObserver> observer) override;

  const std::string& name() const { return name_; }
  // The current health flag of every endpoint.
  ClusterHealth Health() const;
  // What the HealthMonitor checks; empty without a health_check.
  std::vector<HealthTarget> HealthTargets() const;

 private:
  struct Endpoint {
    std::string address;
    std::shared_ptr<grpc::Channel> channel;
    // Unary calls: over our own HTTP/2 client on the caller's event loop
    // (h2_channel.h) for a plaintext "host:port", else over `channel`.
    // Streaming calls always go over `channel`.
    std::unique_ptr<Channel> calls;
    H2UnaryChannel* h2 = nullptr;  // `calls`, when it is one.
    std::shared_ptr<EndpointHealth> health;
  };

  GrpcCluster(const ClusterSpec& spec, std::vector<Endpoint> endpoints);
  // The index of the endpoint for the next call, or -1 when none is healthy.
  int Pick();
  absl::Status NoHealthyEndpoint() const;

  const std::string name_;
  const LbPolicy lb_policy_;
  const std::optional<HealthCheckSpec> health_check_;
  std::vector<Endpoint> endpoints_;
  std::atomic<uint64_t> next_{0};  // ROUND_ROBIN's counter.
};

}  // namespace protogate::upstream
