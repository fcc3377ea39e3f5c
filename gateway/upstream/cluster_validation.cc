#include "gateway/upstream/cluster_validation.h"

#include <climits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/base/status_macros.h"

namespace protogate::upstream {
namespace {

bool IsDottedName(const std::string& name) {
  return !name.empty() && !absl::StartsWith(name, ".") &&
         !absl::EndsWith(name, ".") && !absl::StrContains(name, "..");
}

absl::Status ClusterError(const ClusterSpec& c, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("cluster \"", c.name,
                   "\": ", absl::string_view(problem.data(), problem.size())));
}

absl::Status CheckEndpoints(const ClusterSpec& c) {
  if (c.endpoints.empty()) return ClusterError(c, "no endpoints");
  for (const std::string& e : c.endpoints) {
    if (e.empty()) return ClusterError(c, "empty endpoint");
    if (IsSchemeTarget(e) && c.endpoints.size() > 1) {
      return ClusterError(c, absl::StrCat("\"", e,
                                          "\" is a target with a scheme: it "
                                          "must be the only endpoint"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckHealthCheck(const ClusterSpec& c) {
  if (!c.health_check.has_value()) return absl::OkStatus();
  const HealthCheckSpec& h = *c.health_check;
  if (h.interval <= absl::ZeroDuration() || h.timeout <= absl::ZeroDuration()) {
    return ClusterError(c,
                        "health check interval and timeout must be positive");
  }
  if (h.timeout > h.interval) {
    return ClusterError(c, "health check timeout is longer than its interval");
  }
  if (h.unhealthy_threshold < 1 || h.healthy_threshold < 1) {
    return ClusterError(c, "health check thresholds must be at least 1");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsSchemeTarget(const std::string& endpoint) {
  return absl::StrContains(endpoint, ":///") ||
         absl::StartsWith(endpoint, "ipv4:") ||
         absl::StartsWith(endpoint, "ipv6:") ||
         absl::StartsWith(endpoint, "unix:");
}

absl::Status ValidateOptions(const UpstreamOptions& options) {
  if (options.default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream option default_timeout must be positive");
  }
  if (options.max_receive_message_bytes <= 0 ||
      options.max_send_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        "upstream options max_receive_message_bytes and "
        "max_send_message_bytes must be positive");
  }
  if (options.keepalive_time <= absl::ZeroDuration() ||
      options.max_reconnect_backoff <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "upstream options keepalive_time and max_reconnect_backoff must be "
        "positive");
  }
  return absl::OkStatus();
}

absl::Status ValidateCluster(const ClusterSpec& c) {
  if (c.name.empty()) {
    return absl::InvalidArgumentError("cluster name must not be empty");
  }
  PG_RETURN_IF_ERROR(CheckEndpoints(c));
  if (c.connect_timeout <= absl::ZeroDuration() ||
      c.keepalive_time <= absl::ZeroDuration() ||
      c.keepalive_timeout <= absl::ZeroDuration()) {
    return ClusterError(
        c, "connect_timeout and keepalive time and timeout must be positive");
  }
  if (c.max_send_message_bytes <= 0 || c.max_send_message_bytes > INT_MAX ||
      c.max_receive_message_bytes <= 0 ||
      c.max_receive_message_bytes > INT_MAX) {
    return ClusterError(c, "message size limits must be 1 to 2147483647");
  }
  return CheckHealthCheck(c);
}

absl::Status ValidateRouteService(size_t index, const RouteSpec& route) {
  if (!IsDottedName(route.service)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "routes[%d] (\"%s\"): expected a package or service name such as "
        "\"pkg.v1.Service\"",
        index, route.service));
  }
  return absl::OkStatus();
}

absl::Status MergeBackends(const UpstreamOptions& options,
                           UpstreamsConfig& config) {
  absl::flat_hash_set<std::string> names;
  absl::flat_hash_map<std::string, std::string> cluster_of_target;
  for (size_t i = 0; i < config.backends.size(); ++i) {
    BackendSpec& b = config.backends[i];
    if (!IsDottedName(b.name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "backends[%d].name \"%s\": expected a package or service name such "
          "as \"pkg.v1.Service\"",
          i, b.name));
    }
    if (b.target.empty()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "backends[%d] (\"%s\"): target must not be empty", i, b.name));
    }
    if (!names.insert(b.name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("backends[%d].name \"%s\": given twice", i, b.name));
    }
    auto [it, is_new] = cluster_of_target.emplace(b.target, b.name);
    if (is_new) {
      ClusterSpec& c = config.clusters.emplace_back();
      c.name = b.name;
      c.endpoints = {b.target};
      c.keepalive_time = options.keepalive_time;
      c.max_send_message_bytes = options.max_send_message_bytes;
      c.max_receive_message_bytes = options.max_receive_message_bytes;
    }
    std::erase_if(config.routes,
                  [&](const RouteSpec& r) { return r.service == b.name; });
    config.routes.push_back({.service = b.name, .cluster = it->second});
  }
  config.backends.clear();
  return absl::OkStatus();
}

}  // namespace protogate::upstream
