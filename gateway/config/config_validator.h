// ValidateConfig: the semantic checks of a loaded GatewayConfig.
//
// Loading (config_loader.h) only checks types and field names; this checks
// values and references. The first problem found is returned as
// FailedPrecondition "PATH: PROBLEM", PATH using proto field names:
//   listen: "localhost" is not host:port
//   clusters[1].endpoints[0]: "localhost" is not host:port
//   clusters[2].name: duplicate cluster "books" (also clusters[0])
//   routes[0].cluster: unknown cluster "x"
//   methods[0].timeout: must be positive
//   clusters[0].tls.ca_file: file "ca.pem" does not exist
//   clusters[0].health_check.healthy_threshold: 0 is out of range (1 to 100)
//   http.rules[0].get: bad path template "v1/x": ...
// The rules of each field are in its comment in config.proto.
//
// Thread safety: stateless; reads the file system for TLS files.
//
// Example:
//   PG_ASSIGN_OR_RETURN(v1::GatewayConfig config, LoadConfigFile(path));
//   PG_RETURN_IF_ERROR(ValidateConfig(config));
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::config {

// OK, or FailedPrecondition naming the config path of the first problem.
absl::Status ValidateConfig(const v1::GatewayConfig& config);

// Parts of ValidateConfig (same rules and paths, e.g. "clusters[0].name"),
// for callers that check one section on its own.
absl::Status ValidateClusters(
    const google::protobuf::RepeatedPtrField<v1::Cluster>& clusters);
absl::Status ValidateHttp(const v1::HttpConfig& http);
// `auth` and the `auth` rules of method_defaults and methods
// (validate_auth.cc), e.g. `auth.jwt_providers[0].issuer: required`.
absl::Status ValidateAuth(const v1::GatewayConfig& config);
absl::Status ValidateBackends(
    const google::protobuf::RepeatedPtrField<v1::Backend>& backends);
// One upstream target, as `clusters[].endpoints` and `backends[].target`
// (and so --backend) accept it: "host:port" (port 1 to 65535),
// "dns:///host:port" or "unix:///path".
absl::Status ValidateTarget(std::string_view path, std::string_view target);
absl::Status ValidateHeaders(const v1::HeadersConfig& headers);
// `tracing` and `logging.access_log` (validate_observability.cc).
absl::Status ValidateObservability(const v1::GatewayConfig& config);
// The forwarding rules of `headers` (validate_headers.cc): nothing that is
// never forwarded (grpc-*, hop-by-hop, transport headers) may be named.
absl::Status ValidateHeaderForwarding(const v1::HeadersConfig& headers);
// The traffic policies (validate_traffic.cc): `rate_limits`, `cors` and
// `methods[].cors`, e.g. `rate_limits.policies[0].per: must be positive`.
absl::Status ValidateTraffic(const v1::GatewayConfig& config);
// `tls` and `server.tls_handshake_timeout` (validate_tls.cc): cert_file and
// key_file both set, min_version "1.2" or "1.3", the files readable PEM and
// the key matching the certificate, e.g. `tls.key_file: does not match
// cert_file`.
absl::Status ValidateListenerTls(const v1::GatewayConfig& config);
// A `headers.response` rule's name: not one the HTTP server manages
// (content-length, hop-by-hop headers).
absl::Status ValidateResponseHeaderName(std::string_view path,
                                        std::string_view name);

}  // namespace protogate::config
