// Upstreams: the clusters of gRPC backends, the routes from services to
// them, and the health checks of their endpoints.
//
// A route names a fully-qualified service or a package prefix; a service
// resolves to the cluster of the route with the longest matching name (a
// name matches itself and anything below it at a '.' boundary). Each
// cluster is a Channel balancing calls over its endpoints (see
// cluster_spec.h); one channel (protogate's HTTP/2 client) per endpoint,
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
//   PG_ASSIGN_OR_RETURN(auto upstreams, Upstreams::Create(
//       {{.name = "demo.bookstore", .target = "127.0.0.1:50051"}}, {}));
//   Channel* ch = upstreams->Resolve("demo.bookstore.v1.Bookstore");
//   // Or with clusters:
//   UpstreamsConfig config;
//   config.clusters.push_back({.name = "books",
//                              .endpoints = {"10.0.0.1:50051",
//                                            "10.0.0.2:50051"}});
//   config.routes.push_back({.service = "demo.bookstore",
//                            .cluster = "books"});
//   PG_ASSIGN_OR_RETURN(auto upstreams, Upstreams::CreateFromConfig(config,
//   {}));
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/cluster_spec.h"

namespace protogate::upstream {

struct BackendSpec {
  std::string name;    // "pkg.Service" or a package prefix "pkg".
  std::string target;  // "host:port", "dns:///host:port", "unix:///path".
};

// Clusters, routes and --backend style backends together.
struct UpstreamsConfig {
  std::vector<ClusterSpec> clusters;
  std::vector<RouteSpec> routes;
  // Each distinct target becomes a cluster named after the first backend
  // naming it (one plaintext endpoint, UpstreamOptions' limits), and each
  // backend a route NAME -> that cluster, replacing a route in `routes` for
  // the same service.
  std::vector<BackendSpec> backends;
};

struct UpstreamOptions {
  // The deadline of a request whose deadline is absl::InfiniteFuture(); an
  // explicit request deadline is used as given, even if later.
  absl::Duration default_timeout = absl::Seconds(15);
  int max_receive_message_bytes = 16 * 1024 * 1024;
  int max_send_message_bytes = 16 * 1024 * 1024;
  // Stock gRPC servers refuse pings more often than every 5 minutes
  // (GOAWAY too_many_pings), so the default stays at that interval.
  absl::Duration keepalive_time = absl::Minutes(5);
  absl::Duration max_reconnect_backoff = absl::Seconds(5);
};

class Upstreams {
 public:
  // Returns InvalidArgument for an empty name or target, or the same name
  // given twice (the message names it), a malformed name ("a..b") or a
  // non-positive option. Never connects: channels connect on first use.
  static absl::StatusOr<std::unique_ptr<Upstreams>> Create(
      std::vector<BackendSpec> backends, UpstreamOptions options);
  // Create() for clusters and routes. InvalidArgument naming the cluster
  // (`cluster "books": ...`) or route (`routes[1] ("demo"): ...`) for: an
  // empty or duplicate cluster name, no endpoints, an empty endpoint, a
  // scheme target that is not the only endpoint, a non-positive duration
  // or size, a health threshold below 1 or a health timeout over the
  // interval; a malformed or duplicate route service, a route to an
  // unknown cluster. FailedPrecondition when a TLS file cannot be read.
  // Starts the health checks of clusters that have one.
  // (Not an overload of Create: braced backend lists would be ambiguous.)
  static absl::StatusOr<std::unique_ptr<Upstreams>> CreateFromConfig(
      UpstreamsConfig config, UpstreamOptions options);
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
