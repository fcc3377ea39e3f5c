// ClusterSpec and RouteSpec: what a cluster of gRPC backends is and which
// services it serves, as plain values (no grpcpp). Filled from the config's
// `clusters` and `routes` (see proto/protogate/config/v1/config.proto, whose
// comments are the reference for every field) or from --backend flags.
//
// Thread safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace protogate::upstream {

enum class LbPolicy {
  // Each call goes to the next healthy endpoint.
  kRoundRobin,
  // Every call goes to the first healthy endpoint in list order.
  kPickFirst,
};

// TLS towards the backend. Empty ca_file: the system roots. cert_file and
// key_file (PEM) together enable mutual TLS. server_name, when set, is the
// name checked against the backend's certificate and sent as SNI.
struct TlsSpec {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
};

// Active grpc.health.v1.Health/Check of every endpoint of the cluster.
struct HealthCheckSpec {
  absl::Duration interval = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(1);  // At most `interval`.
  int unhealthy_threshold = 3;                // 1..100 consecutive failures.
  int healthy_threshold = 1;                  // 1..100 consecutive passes.
  std::string service;                        // Empty: the whole server.
};

struct ClusterSpec {
  // Unique among the clusters; named in errors ("cluster \"books\": ...").
  std::string name;
  // One or more "host:port" (one channel each, balanced by lb_policy over
  // the healthy ones), or exactly one target with a scheme: "dns:///h:p"
  // (one channel; the name is resolved on each connection attempt and its
  // addresses tried in order, so one connection per event loop goes to the
  // first address that accepts) or "unix:///path".
  std::vector<std::string> endpoints;
  LbPolicy lb_policy = LbPolicy::kRoundRobin;
  // Bounds one connection attempt (TCP connect and TLS handshake).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Stock gRPC servers refuse pings more often than every 5 minutes.
  absl::Duration keepalive_time = absl::Minutes(5);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  bool keepalive_permit_without_calls = false;
  int64_t max_send_message_bytes = 16 * 1024 * 1024;
  int64_t max_receive_message_bytes = 16 * 1024 * 1024;
  // Absent: plaintext (h2c).
  std::optional<TlsSpec> tls;
  // Absent: no health checks; every endpoint counts as healthy. A scheme
  // target is checked through its one channel, so its health is that of
  // the target as a whole.
  std::optional<HealthCheckSpec> health_check;
};

// Sends the calls of a service, or of every service below a package prefix
// (matched at '.' boundaries; the longest route wins), to a cluster.
struct RouteSpec {
  std::string service;
  std::string cluster;
};

// The health of one cluster as the health checks see it.
struct ClusterHealth {
  std::string name;
  // Aligned with ClusterSpec::endpoints.
  std::vector<bool> endpoint_healthy;
  // Whether some route sends calls to the cluster.
  bool routed = false;
  // HTTP/2 connections open to its endpoints (all loops).
  int open_connections = 0;
  bool any_healthy() const {
    for (bool healthy : endpoint_healthy) {
      if (healthy) return true;
    }
    return false;
  }
};

}  // namespace protogate::upstream
