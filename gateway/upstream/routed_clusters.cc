#include "gateway/upstream/routed_clusters.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gateway/base/status_macros.h"
#include "gateway/upstream/cluster_validation.h"

namespace protogate::upstream {

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::Create(
    std::vector<BackendSpec> backends, UpstreamOptions options) {
  UpstreamsConfig config;
  config.backends = std::move(backends);
  return CreateFromConfig(std::move(config), options);
}

absl::StatusOr<std::unique_ptr<Upstreams>> Upstreams::CreateFromConfig(
    UpstreamsConfig config, UpstreamOptions options) {
  PG_ASSIGN_OR_RETURN(auto upstreams,
                      RoutedClusters::Create(std::move(config), options));
  return std::unique_ptr<Upstreams>(std::move(upstreams));
}

absl::StatusOr<std::unique_ptr<RoutedClusters>> RoutedClusters::Create(
    UpstreamsConfig config, UpstreamOptions options) {
  PG_RETURN_IF_ERROR(ValidateOptions(options));
  PG_RETURN_IF_ERROR(MergeBackends(options, config));
  std::unique_ptr<RoutedClusters> upstreams(new RoutedClusters());
  std::vector<HealthTarget> targets;
  for (const ClusterSpec& spec : config.clusters) {
    PG_RETURN_IF_ERROR(ValidateCluster(spec));
    for (const auto& existing : upstreams->clusters_) {
      if (existing->name() == spec.name) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "cluster \"%s\": the name is given twice", spec.name));
      }
    }
    PG_ASSIGN_OR_RETURN(std::unique_ptr<Cluster> cluster,
                        Cluster::Create(spec, options));
    for (HealthTarget& t : cluster->HealthTargets()) {
      targets.push_back(std::move(t));
    }
    upstreams->clusters_.push_back(std::move(cluster));
  }
  PG_RETURN_IF_ERROR(upstreams->AddRoutes(config.routes));
  if (!targets.empty()) {
    upstreams->monitor_ = std::make_unique<HealthMonitor>(std::move(targets));
  }
  return upstreams;
}

absl::Status RoutedClusters::AddRoutes(const std::vector<RouteSpec>& routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    const RouteSpec& route = routes[i];
    PG_RETURN_IF_ERROR(ValidateRouteService(i, route));
    Cluster* target = nullptr;
    for (const auto& cluster : clusters_) {
      if (cluster->name() == route.cluster) target = cluster.get();
    }
    if (target == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("routes[%d] (\"%s\"): unknown cluster \"%s\"", i,
                          route.service, route.cluster));
    }
    if (!by_route_.emplace(route.service, target).second) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "routes[%d] (\"%s\"): the service is given twice", i, route.service));
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
