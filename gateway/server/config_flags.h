// Reads a --config file (protogate.config.v1.GatewayConfig, YAML or JSON)
// into GatewayFlags, before the command-line flags are applied over it.
//
// The binary applies every section: listen, admin, descriptors
// (descriptor_sets, protos, proto_paths, reflection, watch_interval),
// clusters and routes (cluster_config.h), method_defaults and methods
// (timeout, retries, ignore_unknown_query_params), http, headers,
// transcoding, server and logging.
//
// Thread safety: stateless functions.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "gateway/server/flags.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

// Loads and validates `path` (errors name FILE:LINE:COLUMN and the config
// path), then ApplyConfig.
absl::Status ApplyConfigFile(const std::string& path, GatewayFlags& flags);

// Copies the set values of `config` into `flags`.
absl::Status ApplyConfig(const config::v1::GatewayConfig& config,
                         GatewayFlags& flags);

}  // namespace protogate::server
