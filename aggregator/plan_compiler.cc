#include "aggregator/plan_compiler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "aggregator/compile_context.h"
#include "aggregator/wire_merges.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"

namespace protogate::aggregator {
namespace {

// The plan option, re-parsed through the generated MethodOptions so that a
// plan set in a runtime pool (kept as unknown fields) is read too.
bool ReadPlan(const google::protobuf::MethodDescriptor& method,
              v1::Plan* plan) {
  google::protobuf::MethodOptions options;
  if (!options.ParseFromString(method.options().SerializeAsString())) {
    return false;
  }
  if (!options.HasExtension(v1::plan)) return false;
  *plan = options.GetExtension(v1::plan);
  return true;
}

}  // namespace

CompileContext::CompileContext(const google::protobuf::MethodDescriptor& m,
                               const v1::Plan& p)
    : method(m),
      pool(*m.file()->pool()),
      proto(p),
      plan(std::make_unique<CompiledPlan>()),
      resolver(*m.input_type(), step_index, plan->steps) {}

absl::Status CompileContext::Fail(std::string_view where,
                                  const absl::Status& cause) const {
  return Fail(where, base::ToStd(cause.message()));
}

absl::Status CompileContext::Fail(std::string_view where,
                                  std::string_view message) const {
  return absl::FailedPreconditionError(
      absl::StrCat("plan \"", method.full_name(), "\": ", base::ToAbsl(where),
                   ": ", base::ToAbsl(message)));
}

std::string StepWhere(const CompiledStep& step) {
  return absl::StrCat("step \"", step.id, "\"");
}

bool HasPlan(const google::protobuf::MethodDescriptor& method) {
  v1::Plan plan;
  return ReadPlan(method, &plan);
}

absl::StatusOr<std::unique_ptr<const CompiledPlan>> CompilePlan(
    const google::protobuf::MethodDescriptor& method) {
  v1::Plan proto;
  if (!ReadPlan(method, &proto)) {
    return absl::NotFoundError(
        absl::StrCat("method \"", method.full_name(), "\" has no plan"));
  }
  CompileContext ctx(method, proto);
  ctx.plan->factory =
      std::make_unique<google::protobuf::DynamicMessageFactory>(&ctx.pool);
  ctx.plan->method = &method;
  PG_RETURN_IF_ERROR(CompileStepHeads(ctx));
  PG_RETURN_IF_ERROR(CompileStepRefs(ctx));
  PG_RETURN_IF_ERROR(CompileMerges(ctx));
  PG_RETURN_IF_ERROR(CompileErrorReporting(ctx));
  PG_RETURN_IF_ERROR(CheckGraph(ctx));
  PG_RETURN_IF_ERROR(CheckWriteConflicts(ctx));
  PG_RETURN_IF_ERROR(CheckBudgets(ctx));
  PlanWireMerges(*ctx.plan);
  PlanWireRequests(*ctx.plan);
  return std::unique_ptr<const CompiledPlan>(std::move(ctx.plan));
}

}  // namespace protogate::aggregator
