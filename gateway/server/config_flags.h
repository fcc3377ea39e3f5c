// Reads a --config file (protogate.config.v1.GatewayConfig, YAML or JSON)
// into GatewayFlags, before the command-line flags are applied over it.
//
// The binary applies these sections: listen, admin, descriptors.
// descriptor_sets, method_defaults and methods (timeout, retries,
// ignore_unknown_query_params), http, headers, transcoding, server and
// logging. Sections it cannot apply yet — clusters, routes and
// descriptors.protos/proto_paths — are rejected with FailedPrecondition
// naming the section, never ignored.
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
