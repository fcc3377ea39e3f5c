// RouteRequirements: what each route of a RouteTable requires of the
// caller, resolved from the MethodSettings at load time. A method's rule
// is the `auth` of the `methods` entry with the longest selector that
// matches it (the method, its service or a package prefix) and has `auth`,
// else `method_defaults.auth`, else none (the route is open).
//
// Thread safety: immutable after Build.
// Ownership: owns the Requirements; routes refer to them by pointer.
//
// Example:
//   PG_ASSIGN_OR_RETURN(RouteRequirements r,
//       RouteRequirements::Build(config, routes, names));
//   const Requirement* need = r.ForRoute(exchange.route_index());
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/routing/route_table.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::auth {

// One `auth` rule with names resolved to indices.
struct Requirement {
  std::vector<int> providers;       // Indices into the stage's JWT providers.
  std::vector<int> api_keys;        // Indices into the stage's API keys.
  std::vector<std::string> scopes;  // All required.
  bool allow_anonymous = false;
  // The WWW-Authenticate value of a 403 for missing scopes.
  std::string insufficient_scope_challenge;
};

// Credential name -> index, for require_any.
struct CredentialNames {
  absl::flat_hash_map<std::string, int> providers;
  absl::flat_hash_map<std::string, int> api_keys;
};

// The `auth` rule that decides `method_full_name` as described above, or
// null when the method is open. Borrows from `config`.
const config::v1::MethodAuth* FindMethodAuth(
    const config::v1::GatewayConfig& config,
    const std::string& method_full_name);

class RouteRequirements {
 public:
  // FailedPrecondition naming the config path of a require_any entry that
  // names no credential.
  static absl::StatusOr<RouteRequirements> Build(
      const config::v1::GatewayConfig& config,
      const routing::RouteTable& routes, const CredentialNames& names);

  // The requirement of route `index` (RouteTable::routes()), or null when
  // the route is open.
  const Requirement* ForRoute(size_t index) const {
    return index < by_route_.size() ? by_route_[index] : nullptr;
  }
  // Whether some route is protected.
  bool any() const { return !owned_.empty(); }

 private:
  std::vector<std::unique_ptr<Requirement>> owned_;
  std::vector<const Requirement*> by_route_;
};

}  // namespace protogate::auth
