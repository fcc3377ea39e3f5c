// CorsStage: CORS for browser clients on other origins (the Fetch
// standard's CORS protocol), stage 1 of the pipeline: it runs before auth
// and rate limits so that preflights are answered and errors carry CORS
// headers.
//
// The policy of a request is its route's: the `methods[].cors` with the
// longest selector naming the route's method, else the top-level `cors`;
// requests that matched no route use the top-level one.
//
//   Preflight (OPTIONS with Origin and Access-Control-Request-Method) to a
//   path some route has (route outcome kMatched or kMethodNotAllowed): the
//   stage answers itself. The route for the requested method decides the
//   policy; when the origin is allowed, the path has a route for the
//   requested method and every Access-Control-Request-Headers name is in
//   allow_headers: 204 with Access-Control-Allow-Origin (the origin
//   echoed), -Allow-Methods (the path's methods), -Allow-Headers, -Max-Age,
//   -Allow-Credentials and Vary: Origin. Otherwise 403 PERMISSION_DENIED
//   without CORS headers. Preflights to unknown paths pass (404 follows).
//   Exchange::outcomes().cors_preflight says "allowed" or "refused".
//
//   Any other request with an allowed Origin: Access-Control-Allow-Origin,
//   -Expose-Headers, -Allow-Credentials and Vary: Origin on every answer of
//   the request (Exchange::response_headers()). Other origins, or no
//   Origin: nothing.
//
//   gRPC-Web: a preflight to a method's gRPC path ("/pkg.Service/Method")
//   also accepts the request headers gRPC-Web clients send (content-type,
//   x-grpc-web, x-user-agent, grpc-timeout) and lists them in
//   -Allow-Headers; a request with an application/grpc-web* content type
//   also gets grpc-status, grpc-message and grpc-status-details-bin in
//   -Expose-Headers (a browser client reads a trailers-only answer's status
//   from there).
//
// Thread safety: immutable after Create; Apply runs concurrently.
// Ownership: borrows the route table, which the snapshot owns with the
// stage.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto cors, CorsStage::Create(config, routes));
//   if (cors != nullptr) stages.push_back(std::move(cors));
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/policy/stage.h"
#include "gateway/routing/route_table.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::policy {

class CorsStage final : public Stage {
 public:
  // nullptr when neither `cors` nor any `methods[].cors` is configured.
  static absl::StatusOr<std::unique_ptr<const Stage>> Create(
      const config::v1::GatewayConfig& config,
      const routing::RouteTable& routes);

  std::string_view name() const override { return "cors"; }
  Verdict Apply(Exchange& exchange) const override;

  // One resolved CorsPolicy.
  struct Policy {
    bool any_origin = false;
    std::vector<std::string> exact_origins;
    // "scheme://*.domain" as {"scheme://", ".domain"}.
    std::vector<std::pair<std::string, std::string>> wildcard_origins;
    absl::flat_hash_set<std::string> allow_headers;  // Lower case.
    std::string allow_headers_value;                 // Joined with ", ".
    std::string expose_headers_value;                // Joined with ", ".
    // The two values above with the gRPC-Web headers added.
    std::string grpc_web_allow_headers_value;
    std::string grpc_web_expose_headers_value;
    bool allow_credentials = false;
    std::string max_age_value;  // Seconds; empty when unset.

    bool AllowsOrigin(std::string_view origin) const;
  };

 private:
  explicit CorsStage(const routing::RouteTable& routes) : routes_(routes) {}
  Verdict Preflight(const Exchange& exchange, std::string_view origin,
                    std::string_view method) const;
  const Policy& PolicyOf(const Exchange& exchange) const;

  const routing::RouteTable& routes_;
  std::vector<Policy> policies_;      // [0]: the top-level `cors`.
  std::vector<size_t> route_policy_;  // By route index.
};

}  // namespace protogate::policy
