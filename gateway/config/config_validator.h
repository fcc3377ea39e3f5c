// ValidateConfig: the semantic checks of a loaded GatewayConfig.
//
// Loading (config_loader.h) only checks types and field names; this checks
// values and references, and finds every problem (problems.h), each as
// "PATH: PROBLEM", PATH using proto field names:
//   listen: "localhost" is not host:port
//   clusters[1].endpoints[0]: "localhost" is not host:port
//   clusters[2].name: duplicate cluster "books" (also clusters[0])
//   routes[0].cluster: unknown cluster "x"
//   methods[0].timeout: must be positive
//   clusters[0].tls.ca_file: file "ca.pem" does not exist
//   clusters[0].health_check.healthy_threshold: 0 is out of range (1 to 100)
//   http.rules[0].get: bad path template "v1/x": ...
// Within one value only its first problem is reported (a bad duration is
// not also compared with another). The rules of each field are in its
// comment in config.proto.
//
// Thread safety: stateless; reads the file system for TLS files.
//
// Example:
//   PG_ASSIGN_OR_RETURN(v1::GatewayConfig config, LoadConfigFile(path));
//   Problems problems;
//   ValidateConfig(config, problems);
//   for (const std::string& p : problems.kept()) ...
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "gateway/config/problems.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::config {

// Adds every problem of `config` to `problems`.
void ValidateConfig(const v1::GatewayConfig& config, Problems& problems);
// OK, or FailedPrecondition listing every problem, one "PATH: PROBLEM" per
// line (Problems::ToStatus).
absl::Status ValidateConfig(const v1::GatewayConfig& config);

// Parts of ValidateConfig (same rules and paths, e.g. "clusters[0].name").
void ValidateClusters(
    const google::protobuf::RepeatedPtrField<v1::Cluster>& clusters,
    Problems& problems);
void ValidateHttp(const v1::HttpConfig& http, Problems& problems);
// `auth` and the `auth` rules of method_defaults and methods
// (validate_auth.cc), e.g. `auth.jwt_providers[0].issuer: required`.
void ValidateAuth(const v1::GatewayConfig& config, Problems& problems);
void ValidateBackends(
    const google::protobuf::RepeatedPtrField<v1::Backend>& backends,
    Problems& problems);
// The same, for callers that check backends on their own (--backend): OK or
// the problems as in ValidateConfig(config).
absl::Status ValidateBackends(
    const google::protobuf::RepeatedPtrField<v1::Backend>& backends);
// One upstream target, as `clusters[].endpoints` and `backends[].target`
// (and so --backend) accept it: "host:port" (port 1 to 65535),
// "dns:///host:port" or "unix:///path".
absl::Status ValidateTarget(std::string_view path, std::string_view target);
void ValidateHeaders(const v1::HeadersConfig& headers, Problems& problems);
// The same, for the header rules' own build (policy/header_rules.cc).
absl::Status ValidateHeaders(const v1::HeadersConfig& headers);
// `tracing` and `logging.access_log` (validate_observability.cc).
void ValidateObservability(const v1::GatewayConfig& config, Problems& problems);
absl::Status ValidateObservability(const v1::GatewayConfig& config);
// The forwarding rules of `headers` (validate_headers.cc): nothing that is
// never forwarded (grpc-*, hop-by-hop, transport headers) may be named.
void ValidateHeaderForwarding(const v1::HeadersConfig& headers,
                              Problems& problems);
// The traffic policies (validate_traffic.cc): `rate_limits`, `cors` and
// `methods[].cors`, e.g. `rate_limits.policies[0].per: must be positive`.
void ValidateTraffic(const v1::GatewayConfig& config, Problems& problems);
// A `headers.response` rule's name: not one the HTTP server manages
// (content-length, hop-by-hop headers).
absl::Status ValidateResponseHeaderName(std::string_view path,
                                        std::string_view name);

}  // namespace protogate::config
