#include "gateway/server/stages.h"

#include <memory>
#include <utility>
#include <vector>

namespace protogate::server {

absl::StatusOr<policy::StageChain> BuildStageChain(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    StageEnvironment& environment) {
  std::vector<std::unique_ptr<const policy::Stage>> stages;
  // 1. cors
  // 2. headers
  // 3. auth
  // 4. rate_limit
  return policy::StageChain(std::move(stages));
}

}  // namespace protogate::server
