// Upstreams: the clusters of gRPC backends, the routes from services to
// them, and the health checks of their endpoints.
//
// A route names a fully-qualified service or a package prefix; a service
// resolves to the cluster of the route with the longest matching name (a
// name matches itself and anything below it at a '.' boundary). Each
// cluster is a Channel balancing calls over its endpoints (see
// cluster.h); one channel (protogate's HTTP/2 client) per endpoint,
// created once and shared by
// every route. Clusters with a health_check are checked by one background
// thread per Upstreams; health starts over when a new Upstreams is built
// (a reload): its endpoints start healthy.
//
// Thread safety: immutable after Create() (apart from the health flags);
// Resolve(), Health() and the channels may be used concurrently.
// Ownership: channels returned by Resolve() live as long as the Upstreams,
// which must outlive every call started on them (until its callback ran).
//
// Example:
//   config::v1::GatewayConfig config;  // Validated (config::ValidateConfig).
//   config::v1::Backend* b = config.add_backends();
//   b->set_service("demo.bookstore");
//   b->set_target("127.0.0.1:50051");
//   PG_ASSIGN_OR_RETURN(auto upstreams, Upstreams::Create(config, {}));
//   Channel* ch = upstreams->Resolve("demo.bookstore.v1.Bookstore");
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::upstream {

// The health of one cluster as the health checks see it.
struct ClusterHealth {
  std::string name;
  // Aligned with the cluster's endpoints.
  std::vector<bool> endpoint_healthy;
  // Whether some route sends calls to the cluster.
  bool routed = false;
  bool any_healthy() const {
    for (bool healthy : endpoint_healthy) {
      if (healthy) return true;
    }
    return false;
  }
};

// The defaults of the upstream settings left unset in the config
// (config.proto documents them; this is the one place that holds them).
// `method_defaults.timeout`: a call's deadline when the request has none.
inline constexpr absl::Duration kDefaultCallTimeout = absl::Seconds(15);
inline constexpr absl::Duration kDefaultMaxReconnectBackoff = absl::Seconds(5);
// A cluster's settings.
inline constexpr absl::Duration kDefaultConnectTimeout = absl::Seconds(5);
// Stock gRPC servers refuse pings more often than every 5 minutes
// (GOAWAY too_many_pings), so the default stays at that interval.
inline constexpr absl::Duration kDefaultKeepaliveTime = absl::Minutes(5);
inline constexpr absl::Duration kDefaultKeepaliveTimeout = absl::Seconds(20);
inline constexpr int64_t kDefaultMaxMessageBytes = 16 * 1024 * 1024;
inline constexpr absl::Duration kDefaultHealthInterval = absl::Seconds(10);
inline constexpr absl::Duration kDefaultHealthTimeout = absl::Seconds(1);
inline constexpr int kDefaultUnhealthyThreshold = 3;
inline constexpr int kDefaultHealthyThreshold = 1;

struct UpstreamOptions {
  // The deadline of a request whose deadline is absl::InfiniteFuture(); an
  // explicit request deadline is used as given, even if later.
  absl::Duration default_timeout = kDefaultCallTimeout;
  absl::Duration max_reconnect_backoff = kDefaultMaxReconnectBackoff;
};

class Upstreams {
 public:
  // Builds a cluster per `config.clusters()`, the routes of
  // `config.routes()`, and for `config.backends()` a cluster per distinct
  // target (named after the first backend naming it: one plaintext
  // endpoint, default settings) with a route per backend, which replaces a
  // route of `config.routes()` for the same service. Never connects:
  // channels connect on first use. Starts the health checks of clusters
  // that have one.
  // REQUIRES: `config` passed config::ValidateConfig (the one set of
  // rules for clusters, routes and backends); this only fails where the
  // outside world does. FAILED_PRECONDITION when a TLS file cannot be read
  // or used; INVALID_ARGUMENT for a target the client does not support.
  static absl::StatusOr<std::unique_ptr<Upstreams>> Create(
      const config::v1::GatewayConfig& config, UpstreamOptions options);
  virtual ~Upstreams() = default;

  // The channel for `service_full_name`, or nullptr when no route matches.
  virtual Channel* Resolve(std::string_view service_full_name) const = 0;

  // Every cluster's endpoint health, in the order clusters were given
  // (clusters made from backends last).
  virtual std::vector<ClusterHealth> Health() const = 0;

  // The name of the cluster Resolve() sends `service_full_name` to, or ""
  // when none (a metrics label; valid while this object lives).
  virtual std::string_view ClusterOf(std::string_view service_full_name) const {
    return {};
  }
};

}  // namespace protogate::upstream
