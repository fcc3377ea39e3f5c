// Compiler passes over Plan.steps: heads (method, limits, fallback) and
// references (for_each, bindings, when).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "aggregator/compile_context.h"
#include "aggregator/plan_exprs.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::MethodDescriptor;
using google::protobuf::MethodOptions;

constexpr int kMaxRetries = 5;

std::string At(const CompiledStep& step, std::string_view field,
               std::string_view text) {
  return absl::StrCat(StepWhere(step), ": ", base::ToAbsl(field), " \"",
                      base::ToAbsl(text), "\"");
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  if (d.seconds() == 0 && d.nanos() == 0) return absl::InfiniteDuration();
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

struct TextErrors : google::protobuf::io::ErrorCollector {
  void AddError(int line, int column, const std::string& message) override {
    if (text.empty())
      text = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  std::string text;
};

absl::Status CompileFallback(const CompileContext& ctx, const v1::Step& in,
                             CompiledStep& step) {
  if (in.criticality() != v1::FALLBACK) {
    if (in.fallback().empty()) return absl::OkStatus();
    return ctx.Fail(StepWhere(step),
                    "fallback is set but criticality is not FALLBACK");
  }
  step.fallback.reset(ctx.plan->Prototype(*step.result_type).New());
  google::protobuf::TextFormat::Parser parser;
  TextErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(in.fallback(), step.fallback.get())) {
    return ctx.Fail(StepWhere(step), absl::StrCat("fallback does not parse as ",
                                                  step.result_type->full_name(),
                                                  ": ", errors.text));
  }
  return absl::OkStatus();
}

absl::Status CompileBatchHead(const CompileContext& ctx, const v1::ForEach& in,
                              CompiledStep& step) {
  CompiledForEach& fe = *step.for_each;
  if (in.max_batch() == 0) {
    return ctx.Fail(StepWhere(step),
                    "for_each.max_batch must be > 0 for BATCH");
  }
  fe.max_batch = static_cast<int>(in.max_batch());
  fe.batch_request_field =
      step.method->input_type()->FindFieldByName(in.batch_request_field());
  if (fe.batch_request_field == nullptr ||
      !fe.batch_request_field->is_repeated() ||
      fe.batch_request_field->message_type() != nullptr) {
    return ctx.Fail(
        At(step, "for_each.batch_request_field", in.batch_request_field()),
        absl::StrCat("want a repeated scalar field of ",
                     step.method->input_type()->full_name()));
  }
  fe.batch_response_list =
      step.method->output_type()->FindFieldByName(in.batch_response_list());
  if (fe.batch_response_list == nullptr ||
      !fe.batch_response_list->is_repeated() ||
      fe.batch_response_list->message_type() == nullptr ||
      fe.batch_response_list->is_map()) {
    return ctx.Fail(
        At(step, "for_each.batch_response_list", in.batch_response_list()),
        absl::StrCat("want a repeated message field of ",
                     step.method->output_type()->full_name()));
  }
  step.result_type = fe.batch_response_list->message_type();
  const std::string where =
      At(step, "for_each.batch_response_key", in.batch_response_key());
  auto key =
      RefResolver::ResolvePath(*step.result_type, in.batch_response_key());
  if (!key.ok()) return ctx.Fail(where, key.status());
  if (key->empty()) return ctx.Fail(where, "a key path is required");
  fe.batch_response_key = *std::move(key);
  absl::Status st =
      CheckKeyType(TypeOfPath(*step.result_type, fe.batch_response_key));
  return st.ok() ? st : ctx.Fail(where, st);
}

absl::Status CompileForEachHead(const CompileContext& ctx,
                                const v1::ForEach& in, CompiledStep& step) {
  step.for_each.emplace();
  CompiledForEach& fe = *step.for_each;
  fe.mode = in.mode();
  if (in.max_items() == 0) {
    return ctx.Fail(StepWhere(step), "for_each.max_items must be > 0");
  }
  fe.max_items = static_cast<int>(in.max_items());
  fe.max_concurrency = static_cast<int>(in.max_concurrency());
  if (fe.mode == v1::ForEach::BATCH) {
    PG_RETURN_IF_ERROR(CompileBatchHead(ctx, in, step));
    step.worst_case_calls = (fe.max_items + fe.max_batch - 1) / fe.max_batch;
  } else {
    step.worst_case_calls = fe.max_items;
  }
  return absl::OkStatus();
}

absl::Status CompileRetries(const CompileContext& ctx, const v1::Step& in,
                            CompiledStep& step) {
  step.max_retries = static_cast<int>(in.max_retries());
  if (step.max_retries > kMaxRetries) {
    return ctx.Fail(StepWhere(step),
                    absl::StrCat("max_retries ", step.max_retries, " exceeds ",
                                 kMaxRetries));
  }
  if (step.max_retries > 0 && step.method->options().idempotency_level() ==
                                  MethodOptions::IDEMPOTENCY_UNKNOWN) {
    return ctx.Fail(
        StepWhere(step),
        absl::StrCat("max_retries needs an idempotent method; \"",
                     step.method->full_name(),
                     "\" has idempotency_level IDEMPOTENCY_UNKNOWN"));
  }
  step.worst_case_calls *= 1 + step.max_retries;
  step.coalesce = in.coalesce();
  if (step.coalesce && step.method->options().idempotency_level() ==
                           MethodOptions::IDEMPOTENCY_UNKNOWN) {
    return ctx.Fail(
        StepWhere(step),
        absl::StrCat("coalesce needs an idempotent method; \"",
                     step.method->full_name(),
                     "\" has idempotency_level IDEMPOTENCY_UNKNOWN"));
  }
  return absl::OkStatus();
}

absl::Status CompileStepHead(CompileContext& ctx, const v1::Step& in,
                             CompiledStep& step) {
  const MethodDescriptor* m = ctx.pool.FindMethodByName(in.call());
  if (m == nullptr)
    return ctx.Fail(At(step, "call", in.call()), "method not found");
  if (m->client_streaming() || m->server_streaming()) {
    return ctx.Fail(At(step, "call", in.call()),
                    "method is streaming; only unary methods can be called");
  }
  step.method = m;
  step.rpc_path = absl::StrCat("/", m->service()->full_name(), "/", m->name());
  step.result_type = m->output_type();
  step.timeout = ToDuration(in.timeout());
  if (in.timeout().seconds() < 0 || in.timeout().nanos() < 0) {
    return ctx.Fail(StepWhere(step), "timeout must be positive");
  }
  step.criticality = in.criticality();
  step.propagate_headers.assign(in.propagate_headers().begin(),
                                in.propagate_headers().end());
  step.response_headers.assign(in.response_headers().begin(),
                               in.response_headers().end());
  if (in.has_for_each())
    PG_RETURN_IF_ERROR(CompileForEachHead(ctx, in.for_each(), step));
  PG_RETURN_IF_ERROR(CompileRetries(ctx, in, step));
  return CompileFallback(ctx, in, step);
}

// The key paths of a for_each: "" is the element itself; "a, b.c" a
// composite key.
absl::StatusOr<std::vector<FieldPath>> ResolveKeyPaths(const ValueType& item,
                                                       std::string_view text) {
  std::vector<FieldPath> out;
  if (text.empty()) {
    out.emplace_back();
    return out;
  }
  if (item.message == nullptr) {
    return absl::InvalidArgumentError("item has no fields");
  }
  for (absl::string_view part : absl::StrSplit(base::ToAbsl(text), ',')) {
    auto path = RefResolver::ResolvePath(
        *item.message, base::ToStd(absl::StripAsciiWhitespace(part)));
    if (!path.ok()) return path.status();
    if (path->empty()) {
      return absl::InvalidArgumentError("an empty key path");
    }
    out.push_back(*std::move(path));
  }
  return out;
}

absl::Status CompileOver(const CompileContext& ctx, const v1::ForEach& in,
                         CompiledStep& step, ValueType* item) {
  CompiledForEach& fe = *step.for_each;
  const std::string where = At(step, "for_each.over", in.over());
  auto over = ctx.resolver.Resolve(in.over(), RefScope{nullptr, true, false});
  if (!over.ok()) return ctx.Fail(where, over.status());
  // steps.<id>.each...: a nested fan-out over an earlier fan-out's results.
  if (over->kind == RefKind::kStepEach) fe.parent = over->step;
  if (!over->type.repeated && fe.parent < 0) {
    return ctx.Fail(
        where, absl::StrCat("not a list (got ", TypeName(over->type), ")"));
  }
  fe.over = *std::move(over);
  *item = fe.over.type;
  item->repeated = false;
  const std::string key_where = At(step, "for_each.key", in.key());
  auto key = ResolveKeyPaths(*item, in.key());
  if (!key.ok()) return ctx.Fail(key_where, key.status());
  fe.key = *std::move(key);
  for (const FieldPath& path : fe.key) {
    fe.key_types.push_back(path.empty() ? *item
                                        : TypeOfPath(*item->message, path));
    absl::Status st = CheckKeyType(fe.key_types.back());
    if (!st.ok()) return ctx.Fail(key_where, st);
  }
  if (fe.mode != v1::ForEach::BATCH) return absl::OkStatus();
  if (fe.key.size() > 1) {
    return ctx.Fail(key_where, "a composite key needs mode EACH");
  }
  const ValueType& key_type = fe.key_types[0];
  absl::Status st;
  st = CheckSameKeyKind(TypeOfPath(*step.result_type, fe.batch_response_key),
                        key_type, "the item key type");
  if (!st.ok()) {
    return ctx.Fail(At(step, "for_each.batch_response_key",
                       PathText(fe.batch_response_key)),
                    st);
  }
  st = CheckAssignable(key_type, TypeOfField(*fe.batch_request_field), true);
  return st.ok() ? st
                 : ctx.Fail(At(step, "for_each.batch_request_field",
                               fe.batch_request_field->name()),
                            st);
}

// A binding whose `from` is a CEL expression.
absl::Status CompileBindingExpr(const CompileContext& ctx,
                                const v1::Binding& in, const std::string& where,
                                FieldPath to, bool each, CompiledStep& step) {
  ExprScope scope;
  scope.allow_header = true;
  const Ref& over = step.for_each.has_value() ? step.for_each->over : Ref();
  if (each && over.path.empty()) {  // Over steps.<id>.each: whole results.
    scope.item_message = ctx.plan->steps[over.step].result_type;
  } else if (each) {
    scope.item_field = over.path.back();
  }
  auto e = CompileExpr(ctx, in.from(), scope);
  if (!e.ok()) return ctx.Fail(where, e.status());
  absl::Status st = CheckExprFits(**e, *to.back(), false);
  if (!st.ok()) return ctx.Fail(where, st);
  CompiledBinding& b = step.bindings.emplace_back();
  b.to = std::move(to);
  b.from.text = in.from();
  b.expr = *std::move(e);
  return absl::OkStatus();
}

absl::Status CompileWhenExpr(const CompileContext& ctx, const v1::Step& in,
                             CompiledStep& step) {
  const std::string where = At(step, "when", in.when());
  ExprScope scope;
  scope.allow_header = true;
  auto e = CompileExpr(ctx, in.when(), scope);
  if (!e.ok()) return ctx.Fail(where, e.status());
  const expr::Type& type = (*e)->program->type();
  if (!expr::Type::Bool().Accepts(type)) {
    return ctx.Fail(where, absl::StrCat("a when expression must be bool, not ",
                                        type.DebugString()));
  }
  step.when_expr = *std::move(e);
  step.deps.insert(step.deps.end(), step.when_expr->steps.begin(),
                   step.when_expr->steps.end());
  return absl::OkStatus();
}

absl::Status CompileBinding(const CompileContext& ctx, const v1::Binding& in,
                            int index, const ValueType* item,
                            CompiledStep& step) {
  const std::string to_where =
      At(step, absl::StrCat("bind[", index, "].to"), in.to());
  const std::string from_where =
      At(step, absl::StrCat("bind[", index, "].from"), in.from());
  auto to = RefResolver::ResolvePath(*step.method->input_type(), in.to());
  if (!to.ok()) return ctx.Fail(to_where, to.status());
  if (to->empty()) return ctx.Fail(to_where, "must name a field");
  if (item == nullptr && step.for_each.has_value() &&
      absl::StartsWith(in.from(), "item")) {
    return ctx.Fail(from_where,
                    "`item` is not available in BATCH bindings; keys go "
                    "to batch_request_field");
  }
  if (!IsPlainPath(in.from())) {
    return CompileBindingExpr(ctx, in, from_where, *std::move(to),
                              item != nullptr, step);
  }
  auto from = ctx.resolver.Resolve(in.from(), RefScope{item, false, true});
  if (!from.ok()) return ctx.Fail(from_where, from.status());
  absl::Status st = CheckAssignable(
      from->type, TypeOfPath(*step.method->input_type(), *to), false);
  if (!st.ok()) return ctx.Fail(from_where, st);
  step.bindings.push_back(CompiledBinding{*std::move(to), *std::move(from)});
  return absl::OkStatus();
}

void AddDep(const Ref& ref, CompiledStep& step) {
  if (ref.step >= 0) step.deps.push_back(ref.step);
}

void AddDeps(const CompiledBinding& b, CompiledStep& step) {
  if (b.expr == nullptr) return AddDep(b.from, step);
  step.deps.insert(step.deps.end(), b.expr->steps.begin(), b.expr->steps.end());
}

absl::Status CompileStepRef(const CompileContext& ctx, const v1::Step& in,
                            CompiledStep& step) {
  ValueType item;
  const bool each =
      step.for_each.has_value() && step.for_each->mode == v1::ForEach::EACH;
  if (step.for_each.has_value()) {
    PG_RETURN_IF_ERROR(CompileOver(ctx, in.for_each(), step, &item));
    AddDep(step.for_each->over, step);
  }
  for (int i = 0; i < in.bind_size(); ++i) {
    PG_RETURN_IF_ERROR(
        CompileBinding(ctx, in.bind(i), i, each ? &item : nullptr, step));
    AddDeps(step.bindings.back(), step);
  }
  if (!in.when().empty() && !IsPlainPath(in.when())) {
    PG_RETURN_IF_ERROR(CompileWhenExpr(ctx, in, step));
  } else if (!in.when().empty()) {
    auto when = ctx.resolver.Resolve(in.when(), RefScope{nullptr, false, true});
    if (!when.ok()) return ctx.Fail(At(step, "when", in.when()), when.status());
    step.when = *std::move(when);
    AddDep(*step.when, step);
  }
  std::sort(step.deps.begin(), step.deps.end());
  step.deps.erase(std::unique(step.deps.begin(), step.deps.end()),
                  step.deps.end());
  return absl::OkStatus();
}

}  // namespace

absl::Status CompileStepHeads(CompileContext& ctx) {
  for (int i = 0; i < ctx.proto.steps_size(); ++i) {
    const v1::Step& in = ctx.proto.steps(i);
    CompiledStep& step = ctx.plan->steps.emplace_back();
    step.id = in.id();
    if (step.id.empty()) {
      return ctx.Fail(absl::StrCat("step #", i), "missing id");
    }
    if (!std::all_of(step.id.begin(), step.id.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        })) {
      return ctx.Fail(StepWhere(step), "id must match [a-z0-9_]+");
    }
    if (!ctx.step_index.emplace(step.id, i).second) {
      return ctx.Fail(StepWhere(step), "duplicate step id");
    }
    PG_RETURN_IF_ERROR(CompileStepHead(ctx, in, step));
  }
  return absl::OkStatus();
}

absl::Status CompileStepRefs(CompileContext& ctx) {
  for (int i = 0; i < ctx.proto.steps_size(); ++i) {
    PG_RETURN_IF_ERROR(
        CompileStepRef(ctx, ctx.proto.steps(i), ctx.plan->steps[i]));
  }
  return absl::OkStatus();
}

}  // namespace protogate::aggregator
