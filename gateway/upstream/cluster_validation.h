// Checks of UpstreamsConfig and UpstreamOptions made by Upstreams::Create,
// and the conversion of --backend style backends into clusters and routes.
// Internal to protogate::upstream. (Config files are checked earlier, with
// config paths, by protogate::config::ValidateConfig.)
//
// Thread safety: stateless functions.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

// Whether `endpoint` is a target with a scheme ("dns:///h:p", "unix:...",
// "ipv4:...", "ipv6:..."): it must be a cluster's only endpoint.
bool IsSchemeTarget(const std::string& endpoint);

// InvalidArgument naming the option for a non-positive value.
absl::Status ValidateOptions(const UpstreamOptions& options);

// InvalidArgument `cluster "NAME": PROBLEM` (see Upstreams::Create).
absl::Status ValidateCluster(const ClusterSpec& cluster);

// InvalidArgument `routes[I] ("SERVICE"): PROBLEM` for a malformed service
// name. (Duplicates and unknown clusters are found while adding routes.)
absl::Status ValidateRouteService(size_t index, const RouteSpec& route);

// Moves config.backends into config.clusters and config.routes (see
// UpstreamsConfig). InvalidArgument `backends[I]...` for an empty or
// malformed name, an empty target or a name given twice.
absl::Status MergeBackends(const UpstreamOptions& options,
                           UpstreamsConfig& config);

}  // namespace protogate::upstream
