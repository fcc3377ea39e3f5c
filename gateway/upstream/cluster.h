// Cluster: a Channel over the endpoints of one cluster. Internal to
// protogate::upstream: other libraries see only Channel.
//
// One H2Channel per endpoint (protogate's own HTTP/2 client, h2_channel.h:
// plaintext or TLS, unary and streaming calls, on the caller's event loop),
// created once and shared by every route of the cluster and by its health
// checks. A call goes to an endpoint chosen among the healthy ones (see
// health_monitor.h; without health checks all are healthy): ROUND_ROBIN
// takes the next one after an atomic counter, PICK_FIRST the first in list
// order. Among healthy endpoints, those whose client is backing off after a
// failed connection attempt are passed over while another one is not. A
// "dns:///host:port" target is one endpoint whose name is resolved on each
// connection attempt (its addresses tried in order); "unix:///path" one
// Unix domain socket.
//
// Thread safety: Call() and Stream() may be called concurrently from any
// thread.
// Ownership: owns the endpoints' channels; shares their health flags with
// the HealthMonitor. Calls still running when it is destroyed end with
// UNAVAILABLE.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/h2_channel.h"
#include "gateway/upstream/health_monitor.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

class Cluster final : public Channel {
 public:
  // Creates the channels (they connect lazily, on the first call or check),
  // with upstreams.h's defaults for the settings `cluster` leaves unset.
  // REQUIRES: `cluster` is valid (see Upstreams::Create). FAILED_PRECONDITION
  // when a TLS file cannot be read or used; INVALID_ARGUMENT for a target
  // scheme the client does not support (ipv4:, ipv6:, dns with an
  // authority).
  static absl::StatusOr<std::unique_ptr<Cluster>> Create(
      const config::v1::Cluster& cluster, const UpstreamOptions& options);
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Forwards the call to the picked endpoint (see H2Channel::Call).
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
    std::unique_ptr<H2Channel> channel;
    std::shared_ptr<EndpointHealth> health;
  };

  Cluster(const config::v1::Cluster& cluster, std::vector<Endpoint> endpoints);
  // The index of the endpoint for the next call, or -1 when none is healthy.
  int Pick();
  absl::Status NoHealthyEndpoint() const;

  const std::string name_;
  const config::v1::Cluster::LbPolicy lb_policy_;
  const std::optional<HealthCheckSpec> health_check_;
  std::vector<Endpoint> endpoints_;
  std::atomic<uint64_t> next_{0};  // ROUND_ROBIN's counter.
};

}  // namespace protogate::upstream
