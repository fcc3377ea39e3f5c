// What the binary reads off the config once, at start: the listeners, their
// threads and limits, the drain grace, the transcoding options, and the
// reload settings. (What a snapshot serves is read by proxy::Snapshot::Build
// from the same message, on every reload.) Unset values keep the defaults
// of the options structs they fill (http::ServerOptions,
// transcoding::ParseOptions/PrintOptions) or of config/defaults.h.
//
// Thread safety: stateless functions.
//
// Example:
//   PG_ASSIGN_OR_RETURN(http::ServerOptions listener,
//                       ListenerOptions(flags.config));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/http/server.h"
#include "gateway/server/flags.h"
#include "gateway/server/gateway.h"
#include "gateway/server/reloader.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

// The public listener: `listen`, `server` (threads, limits, timeouts) and
// `tls` (its certificate files are read here). InvalidArgument for a
// malformed listen address; FailedPrecondition naming the `tls` field whose
// file cannot be loaded.
absl::StatusOr<http::ServerOptions> ListenerOptions(
    const config::v1::GatewayConfig& config);

// The files of `tls` (certificate, key, client CAs), watched for changes.
std::vector<std::string> TlsFiles(const config::v1::GatewayConfig& config);

// `admin.listen`, or nullopt when the admin endpoints share the public
// listener. InvalidArgument for a malformed address.
absl::StatusOr<std::optional<ListenAddress>> AdminAddress(
    const config::v1::GatewayConfig& config);

// `server.drain_grace`.
absl::Duration DrainGrace(const config::v1::GatewayConfig& config);

// `logging`, `transcoding` and whether `admin` has a listener of its own.
GatewayOptions GatewayOptionsFrom(const config::v1::GatewayConfig& config);

// `descriptors.reflection`, with the default refresh interval where unset.
std::vector<ReflectionSourceSpec> ReflectionSources(
    const config::v1::GatewayConfig& config);

// `descriptors.watch_interval`.
absl::Duration WatchInterval(const config::v1::GatewayConfig& config);

}  // namespace protogate::server
