#include "gateway/server/stages.h"

#include <memory>
#include <utility>
#include <vector>

#include "gateway/auth/auth_stage.h"
#include "gateway/base/status_macros.h"
#include "gateway/policy/cors_stage.h"
#include "gateway/ratelimit/rate_limit_stage.h"

namespace protogate::server {

absl::StatusOr<policy::StageChain> BuildStageChain(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    std::shared_ptr<const policy::HeaderRules> header_rules,
    StageEnvironment& environment) {
  std::vector<std::unique_ptr<const policy::Stage>> stages;
  // 1. cors
  PG_ASSIGN_OR_RETURN(std::unique_ptr<const policy::Stage> cors,
                      policy::CorsStage::Create(config, routes));
  if (cors != nullptr) stages.push_back(std::move(cors));
  // 2. headers
  stages.push_back(
      std::make_unique<policy::HeaderRulesStage>(std::move(header_rules)));
  // 3. auth
  PG_ASSIGN_OR_RETURN(
      std::unique_ptr<const policy::Stage> auth_stage,
      auth::AuthStage::Create(config, routes, environment.jwks));
  if (auth_stage != nullptr) stages.push_back(std::move(auth_stage));
  // 4. rate_limit
  PG_ASSIGN_OR_RETURN(std::unique_ptr<const policy::Stage> rate_limit,
                      ratelimit::RateLimitStage::Create(
                          config, routes, environment.rate_limits));
  if (rate_limit != nullptr) stages.push_back(std::move(rate_limit));
  return policy::StageChain(std::move(stages));
}

}  // namespace protogate::server
