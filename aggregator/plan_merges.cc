// Compiler passes over Plan.merges and Plan.errors.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "aggregator/compile_context.h"
#include "aggregator/plan_exprs.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::string MergeAt(int index, std::string_view field, std::string_view text) {
  return absl::StrCat("merge[", index, "] ", base::ToAbsl(field), " \"",
                      base::ToAbsl(text), "\"");
}

absl::Status CompileJoin(const CompileContext& ctx, const v1::Merge& in,
                         int index, const ValueType& into,
                         CompiledMerge& merge) {
  if (merge.from.kind != RefKind::kStepEach) {
    return ctx.Fail(MergeAt(index, "from", in.from()),
                    "JOIN needs a steps.<id>.each reference");
  }
  if (!into.repeated || into.message == nullptr) {
    return ctx.Fail(MergeAt(index, "into", in.into()),
                    "JOIN needs a list of messages as target");
  }
  const Descriptor& element = *into.message;
  auto key = RefResolver::ResolvePath(element, in.join_key());
  const std::string key_where = MergeAt(index, "join_key", in.join_key());
  if (!key.ok()) return ctx.Fail(key_where, key.status());
  if (key->empty()) return ctx.Fail(key_where, "a key path is required");
  absl::Status st = CheckKeyType(TypeOfPath(element, *key));
  if (!st.ok()) return ctx.Fail(key_where, st);
  const CompiledStep& step = ctx.plan->steps[merge.from.step];
  st =
      CheckSameKeyKind(TypeOfPath(element, *key), step.for_each->key_type,
                       absl::StrCat("the key type of step \"", step.id, "\":"));
  if (!st.ok()) return ctx.Fail(key_where, st);
  merge.join_key = *std::move(key);
  const std::string field_where = MergeAt(index, "join_field", in.join_field());
  auto field = RefResolver::ResolvePath(element, in.join_field());
  if (!field.ok()) return ctx.Fail(field_where, field.status());
  if (field->empty()) return ctx.Fail(field_where, "a field path is required");
  st = CheckAssignable(merge.from.type, TypeOfPath(element, *field), false);
  if (!st.ok()) return ctx.Fail(field_where, st);
  merge.join_field = *std::move(field);
  return absl::OkStatus();
}

// Type rules of SET, SET_IF_ABSENT, MERGE and APPEND.
absl::Status CheckMergeTypes(const CompileContext& ctx, const v1::Merge& in,
                             int index, const ValueType& into,
                             const CompiledMerge& merge) {
  const std::string into_where = MergeAt(index, "into", in.into());
  const std::string from_where = MergeAt(index, "from", in.from());
  bool single_into_list = false;
  switch (merge.strategy) {
    case v1::Merge::MERGE:
      if (into.repeated || into.message == nullptr) {
        return ctx.Fail(into_where, "MERGE needs a single message target");
      }
      break;
    case v1::Merge::APPEND:
      if (!into.repeated)
        return ctx.Fail(into_where, "APPEND needs a list target");
      single_into_list = true;
      break;
    default:
      if (merge.into.empty()) return ctx.Fail(into_where, "must name a field");
      break;
  }
  absl::Status st = CheckAssignable(merge.from.type, into, single_into_list);
  return st.ok() ? st : ctx.Fail(from_where, st);
}

// A merge whose `from` is an expression: SET, SET_IF_ABSENT, APPEND, MERGE
// or COMPUTE (which may read `response`, and `item` over a list).
absl::Status CompileExprMerge(CompileContext& ctx, const v1::Merge& in,
                              int index, CompiledMerge& merge) {
  const Descriptor& output = *ctx.method.output_type();
  const std::string into_where = MergeAt(index, "into", in.into());
  const std::string from_where = MergeAt(index, "from", in.from());
  if (merge.into.empty()) return ctx.Fail(into_where, "must name a field");
  const FieldDescriptor& into = *merge.into.back();
  ExprScope scope;
  scope.allow_header = true;
  const FieldDescriptor* target = &into;
  const bool over_list = merge.strategy == v1::Merge::COMPUTE &&
                         into.is_repeated() && into.message_type() != nullptr;
  if (merge.strategy == v1::Merge::COMPUTE) scope.response = &output;
  if (over_list) {
    const std::string where = MergeAt(index, "target_field", in.target_field());
    auto field =
        RefResolver::ResolvePath(*into.message_type(), in.target_field());
    if (!field.ok()) return ctx.Fail(where, field.status());
    if (field->empty()) return ctx.Fail(where, "a field path is required");
    merge.target_field = *std::move(field);
    target = merge.target_field.back();
    scope.item_message = into.message_type();
  } else if (!in.target_field().empty()) {
    return ctx.Fail(MergeAt(index, "target_field", in.target_field()),
                    "only for COMPUTE into a list of messages");
  }
  auto e = CompileExpr(ctx, in.from(), scope);
  if (!e.ok()) return ctx.Fail(from_where, e.status());
  absl::Status st = CheckExprFits(
      **e, *target, merge.strategy == v1::Merge::APPEND && !over_list);
  if (!st.ok()) return ctx.Fail(from_where, st);
  merge.expr = *std::move(e);
  merge.from.text = in.from();
  return absl::OkStatus();
}

absl::Status CompileMerge(CompileContext& ctx, const v1::Merge& in, int index) {
  const Descriptor& output = *ctx.method.output_type();
  CompiledMerge merge;
  merge.strategy = in.strategy();
  merge.into_text = in.into();
  auto into = RefResolver::ResolvePath(output, in.into());
  if (!into.ok())
    return ctx.Fail(MergeAt(index, "into", in.into()), into.status());
  merge.into = *std::move(into);
  const ValueType into_type = TypeOfPath(output, merge.into);
  if (merge.strategy == v1::Merge::COMPUTE ||
      (merge.strategy != v1::Merge::JOIN && !IsPlainPath(in.from()))) {
    PG_RETURN_IF_ERROR(CompileExprMerge(ctx, in, index, merge));
    ctx.plan->merges.push_back(std::move(merge));
    return absl::OkStatus();
  }
  const bool each_ok =
      merge.strategy == v1::Merge::APPEND || merge.strategy == v1::Merge::JOIN;
  auto from = ctx.resolver.Resolve(in.from(), RefScope{nullptr, each_ok, true});
  if (!from.ok())
    return ctx.Fail(MergeAt(index, "from", in.from()), from.status());
  merge.from = *std::move(from);
  if (merge.strategy == v1::Merge::JOIN) {
    PG_RETURN_IF_ERROR(CompileJoin(ctx, in, index, into_type, merge));
  } else {
    PG_RETURN_IF_ERROR(CheckMergeTypes(ctx, in, index, into_type, merge));
  }
  ctx.plan->merges.push_back(std::move(merge));
  return absl::OkStatus();
}

bool HasField(const Descriptor& msg, std::string_view name,
              FieldDescriptor::CppType type) {
  const FieldDescriptor* f = msg.FindFieldByName(std::string(name));
  return f != nullptr && !f->is_repeated() && f->cpp_type() == type;
}

}  // namespace

absl::Status CompileMerges(CompileContext& ctx) {
  for (int i = 0; i < ctx.proto.merges_size(); ++i) {
    PG_RETURN_IF_ERROR(CompileMerge(ctx, ctx.proto.merges(i), i));
  }
  return absl::OkStatus();
}

absl::Status CompileErrorReporting(CompileContext& ctx) {
  const v1::ErrorReporting& in = ctx.proto.errors();
  ctx.plan->error_header = in.header();
  if (in.field().empty()) return absl::OkStatus();
  const std::string where = absl::StrCat("errors.field \"", in.field(), "\"");
  auto path = RefResolver::ResolvePath(*ctx.method.output_type(), in.field());
  if (!path.ok()) return ctx.Fail(where, path.status());
  const FieldDescriptor* f = path->empty() ? nullptr : path->back();
  if (f == nullptr || !f->is_repeated() || f->message_type() == nullptr ||
      !HasField(*f->message_type(), "code", FieldDescriptor::CPPTYPE_INT32) ||
      !HasField(*f->message_type(), "message",
                FieldDescriptor::CPPTYPE_STRING)) {
    return ctx.Fail(where,
                    "want a repeated message field with int32 code and "
                    "string message (like google.rpc.Status)");
  }
  ctx.plan->error_field = *std::move(path);
  return absl::OkStatus();
}

}  // namespace protogate::aggregator
