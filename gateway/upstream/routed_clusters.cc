#include "gateway/upstream/routed_clusters.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/cluster_validation.h"

namespace protogate::upstream {

namespace {

// config.backends() as clusters and routes: a cluster per distinct target,
// named after the first backend naming it, and a route per backend.
struct BackendClusters {
  std::vector<config::v1::Cluster> clusters;
  std::vector<config::v1::ServiceRoute> routes;
};

BackendClusters ClustersOfBackends(
    const google::protobuf::RepeatedPtrField<config::v1::Backend>& backends) {
  BackendClusters out;
  absl::flat_hash_map<std::string, std::string> cluster_of_target;
  for (const config::v1::Backend& b : backends) {
    auto [it, is_new] = cluster_of_target.emplace(b.target(), b.service());
    if (is_new) {
      config::v1::Cluster& c = out.clusters.emplace_back();
      c.set_name(b.service());
      c.add_endpoints(b.target());
    }
    config::v1::ServiceRoute& route = out.routes.emplace_back();
    route.set_service(b.service());
    route.set_cluster(it->second);
  }
  return out;
}

// The config's routes, minus those a backend replaces, then the backends'.
std::vector<config::v1::ServiceRoute> MergedRoutes(
    const google::protobuf::RepeatedPtrField<config::v1::ServiceRoute>& routes,
    std::vector<config::v1::ServiceRoute> backend_routes) {
  absl::flat_hash_set<std::string> replaced;
  for (const config::v1::ServiceRoute& r : backend_routes) {
    replaced.insert(r.service());
  }
  std::vector<config::v1::ServiceRoute> merged;
  for (const config::v1::ServiceRoute& r : routes) {
    if (!replaced.contains(r.service())) merged.push_back(r);
  }
  for (config::v1::ServiceRoute& r : backend_routes) {
    merged.push_back(std::move(r));
  }
  return merged;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Create(
    const config::v1::GatewayConfig& config, UpstreamOptions options) {
  PG_ASSIGN_OR_RETURN(auto upstreams, RoutedClusters::Create(config, options));
  return std::unique_ptr<Upstreams>(std::move(upstreams));
}

absl::StatusOr<std::unique_ptr<RoutedClusters>> RoutedClusters::Create(
    const config::v1::GatewayConfig& config, UpstreamOptions options) {
  PG_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<RoutedClusters> upstreams(new RoutedClusters());
  std::vector<HealthTarget> targets;
  for (const config::v1::Cluster& cluster : config.clusters()) {
    PG_RETURN_IF_ERROR(upstreams->AddCluster(cluster, options, targets));
  }
  BackendClusters backends = ClustersOfBackends(config.backends());
  for (const config::v1::Cluster& cluster : backends.clusters) {
    PG_RETURN_IF_ERROR(upstreams->AddCluster(cluster, options, targets));
  }
  PG_RETURN_IF_ERROR(upstreams->AddRoutes(
      MergedRoutes(config.routes(), std::move(backends.routes))));
  if (!targets.empty()) {
    upstreams->monitor_ = std::make_unique<HealthMonitor>(std::move(targets));
  }
  return upstreams;
}

absl::Status RoutedClusters::AddCluster(
    const config::v1::Cluster& cluster, const UpstreamOptions& options,
    std::vector<HealthTarget>& health_targets) {
  for (const auto& existing : clusters_) {
    if (existing->name() == cluster.name()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "cluster \"%s\": the name is given twice", cluster.name()));
    }
  }
  PG_ASSIGN_OR_RETURN(std::unique_ptr<Cluster> created,
                      Cluster::Create(cluster, options));
  for (HealthTarget& t : created->HealthTargets()) {
    health_targets.push_back(std::move(t));
  }
  clusters_.push_back(std::move(created));
  return absl::OkStatus();
}

absl::Status RoutedClusters::AddRoutes(
    const std::vector<config::v1::ServiceRoute>& routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    const config::v1::ServiceRoute& route = routes[i];
    Cluster* target = nullptr;
    for (const auto& cluster : clusters_) {
      if (cluster->name() == route.cluster()) target = cluster.get();
    }
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("routes[%d] (\"%s\"): unknown cluster \"%s\"", i,
                          route.service(), route.cluster()));
    }
    if (!by_route_.emplace(route.service(), target).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("routes[%d] (\"%s\"): the service is given twice", i,
                          route.service()));
    }
  }
  return absl::OkStatus();
}

Channel* RoutedClusters::Resolve(std::string_view service_full_name) const {
  absl::string_view name(service_full_name.data(), service_full_name.size());
  while (!name.empty()) {
    if (auto it = by_route_.find(name); it != by_route_.end()) {
      return it->second;
    }
    const size_t dot = name.rfind('.');
    if (dot == absl::string_view::npos) break;
    name = name.substr(0, dot);
  }
  return nullptr;
}

std::string_view RoutedClusters::ClusterOf(
    std::string_view service_full_name) const {
  const Channel* channel = Resolve(service_full_name);
  for (const auto& cluster : clusters_) {
    if (cluster.get() == channel) return cluster->name();
  }
  return {};
}

std::vector<ClusterHealth> RoutedClusters::Health() const {
  std::vector<ClusterHealth> health;
  for (const auto& cluster : clusters_) {
    ClusterHealth& h = health.emplace_back(cluster->Health());
    for (const auto& [service, target] : by_route_) {
      if (target == cluster.get()) h.routed = true;
    }
  }
  return health;
}

}  // namespace protogate::upstream
