// Plan expressions: CEL expressions (expr/) in the positions of a plan that
// take a value or a condition (Binding.from, Step.when, Merge.from and
// COMPUTE merges), compiled against the plan's roots and evaluated against
// one run's values. Internal to aggregator/.
//
// Text that is a plain reference path (`request.a.b`, `steps.x.response`,
// `item`, `header["k"]`) keeps the path semantics of ref_resolver.h; other
// text is an expression (IsPlainPath decides).
//
// Thread safety: a CompiledExpr is immutable; evaluation reads the run's
// values under the run's lock.
// Ownership: programs borrow the plan's DescriptorPool.
//
// Example:
//   ExprScope scope;
//   scope.allow_header = true;
//   PG_ASSIGN_OR_RETURN(auto e, CompileExpr(ctx, "size(request.ids) > 0",
//                                           scope));
//   expr::Value v = EvalExpr(*e, ExprInputs{&values});
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "aggregator/compile_context.h"
#include "aggregator/field_ops.h"
#include "aggregator/run_values.h"
#include "expr/program.h"

namespace protogate::aggregator {

// Which roots a position offers.
struct ExprScope {
  // `item`: the repeated field whose element it is (EACH bindings), or a
  // message type (COMPUTE over a list).
  const google::protobuf::FieldDescriptor* item_field = nullptr;
  const google::protobuf::Descriptor* item_message = nullptr;
  bool allow_header = false;
  const google::protobuf::Descriptor* response = nullptr;  // `response`.
};

// True for text in the reference path grammar of plan.proto: dotted names
// starting at request, steps or item, or header["name"].
bool IsPlainPath(std::string_view text);

// FailedPrecondition-free: returns the expression library's InvalidArgument
// (`column <n>: ...`); callers wrap it with ctx.Fail().
absl::StatusOr<std::shared_ptr<const CompiledExpr>> CompileExpr(
    const CompileContext& ctx, std::string_view text, const ExprScope& scope);

// OK when a value of the expression's static type may be written into
// `field` (`single_into_list`: one element into a repeated field).
absl::Status CheckExprFits(const CompiledExpr& e,
                           const google::protobuf::FieldDescriptor& field,
                           bool single_into_list);

// The run-time values an expression may read.
struct ExprInputs {
  const RunValues* values = nullptr;
  const Value* item = nullptr;                              // kItem.
  const google::protobuf::Message* item_message = nullptr;  // COMPUTE items.
  const google::protobuf::Message* response = nullptr;      // kResponse.
};

expr::Value EvalExpr(const CompiledExpr& e, const ExprInputs& in);

// Writes `v` at `path` under `root` with `mode` (kSet, kSetIfAbsent,
// kAppend, kMerge). InvalidArgument when the value does not fit the field
// (a dyn result of the wrong kind, an int out of int32 range).
absl::Status WriteExprValue(const expr::Value& v,
                            google::protobuf::Message* root,
                            const FieldPath& path, WriteMode mode);

}  // namespace protogate::aggregator
