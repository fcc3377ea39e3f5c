#include "gateway/server/stages.h"

#include <memory>
#include <utility>
#include <vector>

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
  // 4. rate_limit
  return policy::StageChain(std::move(stages));
}

}  // namespace protogate::server
