// Upstreams: the set of backends and the channels to them.
//
// A backend is named by a fully-qualified service name or a package prefix;
// a service resolves to the backend with the longest matching name (a name
// matches itself and anything below it at a '.' boundary). One gRPC channel
// per backend target, created once and shared by every route.
//
// Thread safety: immutable after Create(); Resolve() and the channels may be
// used concurrently.
// Ownership: channels returned by Resolve() live as long as the Upstreams,
// which must outlive every call started on them (until its callback ran).
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto upstreams, Upstreams::Create(
//       {{.name = "demo.bookstore", .target = "127.0.0.1:50051"}}, {}));
//   UnaryChannel* ch = upstreams->Resolve("demo.bookstore.v1.Bookstore");
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/unary_channel.h"

namespace protogate::upstream {

struct BackendSpec {
  std::string name;    // "pkg.Service" or a package prefix "pkg".
  std::string target;  // Any gRPC target: "host:port", "dns:///host:port".
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
  virtual ~Upstreams() = default;

  // The channel for `service_full_name`, or nullptr when no backend matches.
  virtual UnaryChannel* Resolve(std::string_view service_full_name) const = 0;
};

}  // namespace protogate::upstream
