// Converts the config's `clusters` and `routes` (protogate.config.v1) into
// upstream::ClusterSpec / RouteSpec, with the defaults the schema documents
// for unset fields (connect_timeout 5s, keepalive 5m/20s, 16 MiB message
// limits, ROUND_ROBIN). REQUIRES: the config passed ValidateConfig.
//
// Thread safety: stateless functions.
#pragma once

#include <vector>

#include "gateway/upstream/cluster_spec.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::proxy {

std::vector<upstream::ClusterSpec> ClustersFromConfig(
    const google::protobuf::RepeatedPtrField<config::v1::Cluster>& clusters);

std::vector<upstream::RouteSpec> RoutesFromConfig(
    const google::protobuf::RepeatedPtrField<config::v1::ServiceRoute>& routes);

}  // namespace protogate::proxy
