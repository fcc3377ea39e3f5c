// Compiler passes over Plan.merges and Plan.errors.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

// The join_key paths, one per key path of `step`, each of its key's kind.
absl::Status CompileJoinKey(const CompileContext& ctx, const v1::Merge& in,
                            int index, const Descriptor& element,
                            CompiledMerge& merge) {
  const std::string where = MergeAt(index, "join_key", in.join_key());
  const CompiledStep& step = ctx.plan->steps[merge.from.step];
  const std::vector<ValueType>& step_keys = step.for_each->key_types;
  for (absl::string_view part : absl::StrSplit(in.join_key(), ',')) {
    auto key = RefResolver::ResolvePath(
        element, base::ToStd(absl::StripAsciiWhitespace(part)));
    if (!key.ok()) return ctx.Fail(where, key.status());
    if (key->empty()) return ctx.Fail(where, "a key path is required");
    merge.join_key.push_back(*std::move(key));
  }
  if (merge.join_key.size() != step_keys.size()) {
    return ctx.Fail(where, absl::StrCat(merge.join_key.size(),
                                        " key path(s), but the key of step \"",
                                        step.id, "\" has ", step_keys.size()));
  }
  for (size_t i = 0; i < merge.join_key.size(); ++i) {
    const ValueType type = TypeOfPath(element, merge.join_key[i]);
    absl::Status st = CheckKeyType(type);
    if (!st.ok()) return ctx.Fail(where, st);
    st = CheckSameKeyKind(
        type, step_keys[i],
        absl::StrCat("the key type of step \"", step.id, "\":"));
    if (!st.ok()) return ctx.Fail(where, st);
  }
  return absl::OkStatus();
}

// join_fields: `from_path[: to_path]`, from inside the joined value to
// inside `target` (join_field's message, or the element).
absl::Status CompileJoinCopies(const CompileContext& ctx, const v1::Merge& in,
                               int index, const Descriptor& target,
                               CompiledMerge& merge) {
  const CompiledStep& step = ctx.plan->steps[merge.from.step];
  const Descriptor* result = merge.from.type.message;
  for (int i = 0; i < in.join_fields_size(); ++i) {
    const std::string& text = in.join_fields(i);
    const std::string where =
        absl::StrCat("merge[", index, "] join_fields[", i, "] \"", text, "\"");
    if (result == nullptr || merge.from.type.repeated) {
      return ctx.Fail(
          where, absl::StrCat("the results of step \"", step.id, "\" at \"",
                              merge.from.text, "\" are not single messages"));
    }
    std::pair<absl::string_view, absl::string_view> names =
        absl::StrSplit(text, absl::MaxSplits(':', 1));
    if (names.second.empty()) names.second = names.first;
    auto from = RefResolver::ResolvePath(
        *result, base::ToStd(absl::StripAsciiWhitespace(names.first)));
    if (!from.ok()) {
      return ctx.Fail(where,
                      absl::StrCat(from.status().message(),
                                   " (the results of step \"", step.id, "\")"));
    }
    auto to = RefResolver::ResolvePath(
        target, base::ToStd(absl::StripAsciiWhitespace(names.second)));
    if (!to.ok()) return ctx.Fail(where, to.status());
    if (from->empty() || to->empty()) {
      return ctx.Fail(where, "want from_path or from_path: to_path");
    }
    absl::Status st = CheckAssignable(TypeOfPath(*result, *from),
                                      TypeOfPath(target, *to), false);
    if (!st.ok()) return ctx.Fail(where, st);
    CompiledMerge::FieldCopy copy{*std::move(from), merge.join_field};
    copy.to.insert(copy.to.end(), to->begin(), to->end());
    merge.join_copies.push_back(std::move(copy));
  }
  return absl::OkStatus();
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
  PG_RETURN_IF_ERROR(CompileJoinKey(ctx, in, index, element, merge));
  const std::string field_where = MergeAt(index, "join_field", in.join_field());
  auto field = RefResolver::ResolvePath(element, in.join_field());
  if (!field.ok()) return ctx.Fail(field_where, field.status());
  merge.join_field = *std::move(field);
  if (in.join_fields_size() > 0) {
    const ValueType target = merge.join_field.empty()
                                 ? ValueType{.message = &element}
                                 : TypeOfPath(element, merge.join_field);
    if (target.message == nullptr || target.repeated) {
      return ctx.Fail(field_where, "join_fields need a single message here");
    }
    return CompileJoinCopies(ctx, in, index, *target.message, merge);
  }
  if (merge.join_field.empty())
    return ctx.Fail(field_where, "a field path is required");
  absl::Status st = CheckAssignable(
      merge.from.type, TypeOfPath(element, merge.join_field), false);
  return st.ok() ? st : ctx.Fail(field_where, st);
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
  if (merge.strategy != v1::Merge::JOIN && in.join_fields_size() > 0) {
    return ctx.Fail(MergeAt(index, "join_fields", in.join_fields(0)),
                    "only for JOIN");
  }
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
