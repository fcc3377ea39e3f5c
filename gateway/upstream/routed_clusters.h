// RoutedClusters: the implementation of Upstreams (see upstreams.h),
// returned by Upstreams::Create().
//
// One Cluster per cluster (one H2Channel per endpoint, with the cluster's
// TLS settings, limits and keepalive; channels connect lazily, on the first
// call or health check), the routes as a map from service or package name
// to cluster, and one HealthMonitor for the clusters that have a
// health_check.
//
// Thread safety: immutable after Create() (apart from the health flags);
// Resolve(), Health() and the channels may be used concurrently.
// Ownership: owns the clusters; a channel returned by Resolve() lives as
// long as the RoutedClusters, which must outlive every call started on it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/upstream/cluster.h"
#include "gateway/upstream/health_monitor.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

class RoutedClusters final : public Upstreams {
 public:
  // See Upstreams::Create.
  static absl::StatusOr<std::unique_ptr<RoutedClusters>> Create(
      const config::v1::GatewayConfig& config, UpstreamOptions options);

  // Longest match at '.' boundaries: "demo" matches "demo.bookstore.v1.X",
  // "demo.book" does not. Returns nullptr when nothing matches.
  Channel* Resolve(std::string_view service_full_name) const override;

  std::vector<ClusterHealth> Health() const override;
  std::string_view ClusterOf(std::string_view service_full_name) const override;

 private:
  RoutedClusters() = default;
  // INVALID_ARGUMENT for a name that two clusters share (a backend's
  // cluster is named after its service).
  absl::Status AddCluster(const config::v1::Cluster& cluster,
                          const UpstreamOptions& options,
                          std::vector<HealthTarget>& health_targets);
  // INVALID_ARGUMENT for a route to an unknown cluster or a service routed
  // twice.
  absl::Status AddRoutes(const std::vector<config::v1::ServiceRoute>& routes);

  std::vector<std::unique_ptr<Cluster>> clusters_;
  absl::flat_hash_map<std::string, Cluster*> by_route_;
  // Declared last: stops checking before the clusters go away.
  std::unique_ptr<HealthMonitor> monitor_;
};

}  // namespace protogate::upstream
