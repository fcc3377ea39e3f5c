// The defaults of config settings that no library below owns. Settings a
// library consumes keep their default in that library's options struct
// (http::ServerOptions for the listener's limits and timeouts,
// gateway/upstream/upstreams.h's kDefault* constants for the call deadline
// and the cluster settings) and are only overridden when the config sets
// them.
//
// Thread safety: constants.
#pragma once

#include <string_view>

#include "absl/time/time.h"

namespace protogate::config {

// `listen` (and --listen).
inline constexpr std::string_view kDefaultListen = "127.0.0.1:8080";
// `server.drain_grace` (and --drain_grace).
inline constexpr absl::Duration kDefaultDrainGrace = absl::Seconds(10);
// `descriptors.watch_interval` (and --watch_interval).
inline constexpr absl::Duration kDefaultWatchInterval = absl::Seconds(1);
// `descriptors.reflection[].refresh_interval` (and --reflection_refresh).
inline constexpr absl::Duration kDefaultReflectionRefresh = absl::Seconds(30);

}  // namespace protogate::config
