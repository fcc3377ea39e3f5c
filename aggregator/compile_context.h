// CompileContext: state shared by the plan compiler's passes (steps, merges,
// graph checks). Internal to aggregator/.
//
// Thread safety: single-threaded, lives for one CompilePlan() call.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "aggregator/compiled_plan.h"
#include "aggregator/ref_resolver.h"

namespace protogate::aggregator {

struct CompileContext {
  CompileContext(const google::protobuf::MethodDescriptor& m,
                 const v1::Plan& p);

  // FailedPrecondition `plan "<method>": <where>: <cause message>`.
  absl::Status Fail(std::string_view where, const absl::Status& cause) const;
  absl::Status Fail(std::string_view where, std::string_view message) const;

  const google::protobuf::MethodDescriptor& method;
  const google::protobuf::DescriptorPool& pool;
  const v1::Plan& proto;
  std::unique_ptr<CompiledPlan> plan;
  absl::flat_hash_map<std::string, int> step_index;
  RefResolver resolver;
};

// `step "id"`.
std::string StepWhere(const CompiledStep& step);

// Passes, in order. Each returns the first error.
absl::Status CompileStepHeads(CompileContext& ctx);       // plan_steps.cc
absl::Status CompileStepRefs(CompileContext& ctx);        // plan_steps.cc
absl::Status CompileMerges(CompileContext& ctx);          // plan_merges.cc
absl::Status CompileErrorReporting(CompileContext& ctx);  // plan_merges.cc
absl::Status CheckGraph(CompileContext& ctx);             // plan_checks.cc
absl::Status CheckWriteConflicts(CompileContext& ctx);    // plan_checks.cc
absl::Status CheckBudgets(CompileContext& ctx);           // plan_checks.cc

}  // namespace protogate::aggregator
