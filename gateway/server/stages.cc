#include "gateway/server/stages.h"

#include <memory>
#include <utility>
#include <vector>

#include "gateway/auth/auth_stage.h"

namespace protogate::server {

absl::StatusOr<policy::StageChain> BuildStageChain(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    std::shared_ptr<const policy::HeaderRules> header_rules,
    StageEnvironment& environment) {
  std::vector<std::unique_ptr<const policy::Stage>> stages;
  // 1. cors
  // 2. headers
  stages.push_back(
      std::make_unique<policy::HeaderRulesStage>(std::move(header_rules)));
  // 3. auth
  absl::StatusOr<std::unique_ptr<const policy::Stage>> auth_stage =
      auth::AuthStage::Create(config, routes, environment.jwks);
  if (!auth_stage.ok()) return auth_stage.status();
  if (*auth_stage != nullptr) stages.push_back(*std::move(auth_stage));
  // 4. rate_limit
  return policy::StageChain(std::move(stages));
}

}  // namespace protogate::server
