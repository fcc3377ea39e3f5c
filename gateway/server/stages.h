// BuildStageChain: the ordered pipeline stages (policy/stage.h) of one
// snapshot, built from the validated config. The order is fixed:
//   1. cors        answers preflights before anything else, adds CORS
//                  headers to every answer;
//   2. headers     the header rules: the upstream metadata from the request
//                  headers, x-request-id;
//   3. auth        verifies the credential, forwards the identity;
//   4. rate_limit  keys may use the identity the auth stage verified.
// A stage whose config section is absent is not in the chain at all.
//
// StageEnvironment holds what outlives snapshots (JWKS caches, the Redis
// connections, metrics): a reload builds new stages over the same
// environment, so unchanged providers keep their state.
//
// Thread safety: BuildStageChain runs on the loading thread; the
// environment's members are thread-safe.
// Ownership: the caller (the reloader) owns the environment, which must
// outlive every snapshot built with it.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/auth/jwks_cache.h"
#include "gateway/policy/header_rules.h"
#include "gateway/policy/stage.h"
#include "gateway/ratelimit/rate_limit_environment.h"
#include "gateway/routing/route_table.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

// Long-lived services the stages use. Each stage library adds its member.
struct StageEnvironment {
  // `--validate` passes JwksFetching::kNever: stages are built, no jwks_uri
  // is fetched.
  explicit StageEnvironment(
      auth::JwksFetching fetching = auth::JwksFetching::kBackground)
      : jwks(fetching) {}

  // The JWK sets of `auth.jwt_providers[].jwks_uri` (auth::AuthStage).
  auth::JwksCache jwks;

  // The local rate-limit buckets (kept across reloads) and the Redis
  // connections of the shared rate limits.
  ratelimit::RateLimitEnvironment rate_limits;
};

// FailedPrecondition naming the config path of a stage that cannot be built
// (e.g. `auth.jwt_providers[0]: ...`).
// `header_rules` is the snapshot's (its stage shares them with the
// snapshot's response side).
absl::StatusOr<policy::StageChain> BuildStageChain(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    std::shared_ptr<const policy::HeaderRules> header_rules,
    StageEnvironment& environment);

}  // namespace protogate::server
