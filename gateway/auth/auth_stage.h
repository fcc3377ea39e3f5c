// AuthStage: the "auth" step of the request pipeline (policy/stage.h). On
// every matched route it first removes client-sent upstream metadata that
// carries a name the stage forwards (forward_claims, forward_as), so
// identities cannot be spoofed. On a protected route (RouteRequirements) it
// then verifies one credential the route accepts:
//   Authorization: Bearer <JWT>  a JWT of a provider in require_any, picked
//                                by `iss` (JwtProvider), cached once
//                                verified (VerifiedTokenCache);
//   <api key header>: <key>      a key whose SHA-256 equals a configured
//                                one (compared in constant time).
// On success it writes the Identity, adds the forwarded metadata and
// strips the credential from the metadata (unless forward_token), and
// checks the route's scopes. Answers:
//   401 UNAUTHENTICATED, WWW-Authenticate: Bearer realm="protogate"
//       no credential (a route with allow_anonymous passes instead);
//   401 UNAUTHENTICATED, WWW-Authenticate: Bearer error="invalid_token",
//       error_description="<what failed>"  a credential that does not
//       verify, several Authorization or key headers, a token over 8 KiB;
//   403 PERMISSION_DENIED, WWW-Authenticate: Bearer
//       error="insufficient_scope", scope="<required scopes>";
//   503 UNAVAILABLE  the provider's JWK set was never fetched.
// Unmatched requests (404, 405, 400) pass untouched. On a protected route,
// Exchange::outcomes() gets the provider (or API key) and the result
// (exchange.h) for the auth metrics.
//
// Thread safety: immutable after Create except the token cache, which is
// thread-safe; Apply runs concurrently.
// Ownership: the snapshot owns the stage; the JwksCache (long-lived,
// server::StageEnvironment) must outlive it.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto stage,
//                       AuthStage::Create(config, routes, environment.jwks));
//   if (stage != nullptr) stages.push_back(std::move(stage));
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/auth/jwks_cache.h"
#include "gateway/auth/jwt_provider.h"
#include "gateway/auth/route_requirements.h"
#include "gateway/auth/verified_token_cache.h"
#include "gateway/policy/stage.h"
#include "gateway/routing/route_table.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::auth {

class AuthStage final : public policy::Stage {
 public:
  // The stage, or null when no method has an `auth` rule (nothing to do).
  // FailedPrecondition naming the config path when a key file cannot be
  // read or require_any names an unknown credential. REQUIRES: `config`
  // passed config::ValidateConfig.
  static absl::StatusOr<std::unique_ptr<const policy::Stage>> Create(
      const config::v1::GatewayConfig& config,
      const routing::RouteTable& routes, JwksCache& jwks);

  std::string_view name() const override { return "auth"; }
  policy::Verdict Apply(policy::Exchange& exchange) const override;

  struct ApiKey {
    std::string name;
    std::array<unsigned char, 32> sha256;
    std::string header;  // Lower-case.
    bool forward_token = false;
    std::shared_ptr<const CachedToken> identity;  // Scopes, forward_as.
  };

 private:
  AuthStage() = default;
  // Verifies the credential `need` asks for (Apply's body once a route is
  // protected); may name the provider and result in exchange.outcomes().
  policy::Verdict Verify(const Requirement& need,
                         policy::Exchange& exchange) const;
  policy::Verdict VerifyBearer(std::string_view token, const Requirement& need,
                               policy::Exchange& exchange) const;
  policy::Verdict VerifyApiKey(std::string_view key, const std::string& header,
                               const Requirement& need,
                               policy::Exchange& exchange) const;
  // Which credential verified, for Admit.
  struct Credential {
    policy::Identity::Kind kind;
    const std::string* name;  // Provider or key name.
    std::string_view header;  // Its metadata key (lower-case).
    bool forward_token;
  };
  // Checks scopes, then writes the identity and the upstream metadata.
  policy::Verdict Admit(const CachedToken& verified, const Requirement& need,
                        const Credential& credential,
                        policy::Exchange& exchange) const;

  std::vector<std::unique_ptr<JwtProvider>> providers_;
  absl::flat_hash_map<std::string, int> provider_by_issuer_;
  std::vector<ApiKey> api_keys_;
  std::vector<std::string> key_headers_;  // Distinct, lower-case.
  // Every metadata name some credential forwards (removed first).
  std::vector<std::string> forwarded_names_;
  RouteRequirements requirements_;
  mutable VerifiedTokenCache token_cache_;
};

}  // namespace protogate::auth
