// The check of UpstreamOptions made by Upstreams::Create. Clusters, routes
// and backends are checked by config::ValidateConfig, the one set of rules
// for them. Internal to protogate::upstream.
//
// Thread safety: stateless functions.
#pragma once

#include "absl/status/status.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::upstream {

// InvalidArgument naming the option for a non-positive value.
absl::Status ValidateOptions(const UpstreamOptions& options);

}  // namespace protogate::upstream
