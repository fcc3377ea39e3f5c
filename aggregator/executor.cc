#include "aggregator/executor.h"

#include <memory>
#include <utility>

#include "aggregator/run_state.h"

namespace protogate::aggregator {

void Executor::Run(const CompiledPlan& plan, std::string request_wire,
                   RunOptions options, RunCallback done) const {
  auto state =
      std::make_shared<RunState>(plan, std::move(options), std::move(done));
  state->Start(std::move(request_wire));
}

}  // namespace protogate::aggregator
