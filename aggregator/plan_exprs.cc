#include "aggregator/plan_exprs.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "google/protobuf/reflection.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using VK = expr::ValueKind;

absl::Status Misfit(const expr::Value& v, const FieldDescriptor& fd) {
  return absl::InvalidArgumentError(
      absl::StrCat("a ", base::ToAbsl(v.KindName()),
                   " value does not fit field \"", fd.name(), "\""));
}

// The value as a double / int64 / uint64 where CEL's kinds allow it.
bool AsInt(const expr::Value& v, int64_t* out) {
  if (v.kind() == VK::kInt) {
    *out = v.int_value();
    return true;
  }
  if (v.kind() == VK::kUint && v.uint_value() <= INT64_MAX) {
    *out = static_cast<int64_t>(v.uint_value());
    return true;
  }
  return false;
}

bool AsUint(const expr::Value& v, uint64_t* out) {
  if (v.kind() == VK::kUint) {
    *out = v.uint_value();
    return true;
  }
  if (v.kind() == VK::kInt && v.int_value() >= 0) {
    *out = static_cast<uint64_t>(v.int_value());
    return true;
  }
  return false;
}

void SetSecondsNanos(Message* m, absl::Duration d) {
  const Descriptor& t = *m->GetDescriptor();
  const int64_t s = absl::IDivDuration(d, absl::Seconds(1), &d);
  m->GetReflection()->SetInt64(m, t.field(0), s);
  m->GetReflection()->SetInt32(
      m, t.field(1), static_cast<int32_t>(absl::ToInt64Nanoseconds(d)));
}

absl::Status PutMessage(const expr::Value& v, Message* dst) {
  const Descriptor& d = *dst->GetDescriptor();
  const std::string& name = d.full_name();
  if (name == "google.protobuf.Timestamp" && v.kind() == VK::kTimestamp) {
    SetSecondsNanos(dst, v.time_value() - absl::UnixEpoch());
    return absl::OkStatus();
  }
  if (name == "google.protobuf.Duration" && v.kind() == VK::kDuration) {
    SetSecondsNanos(dst, v.duration_value());
    return absl::OkStatus();
  }
  if (d.file()->name() == "google/protobuf/wrappers.proto") {
    return WriteExprValue(v, dst, FieldPath{d.field(0)}, WriteMode::kSet);
  }
  if (v.kind() == VK::kMessage && v.message().GetDescriptor() == &d) {
    dst->MergeFrom(v.message());
    return absl::OkStatus();
  }
  return Misfit(v, *d.field(0));
}

// Sets (or adds, for a repeated field) one value.
absl::Status PutOne(const expr::Value& v, Message* dst,
                    const FieldDescriptor* fd) {
  const Reflection& r = *dst->GetReflection();
  const bool rep = fd->is_repeated();
  int64_t i = 0;
  uint64_t u = 0;
  switch (fd->cpp_type()) {
#define PG_PUT_(CPP, Type, OK, VALUE)                                \
  case FieldDescriptor::CPPTYPE_##CPP:                               \
    if (!(OK)) return Misfit(v, *fd);                                \
    rep ? r.Add##Type(dst, fd, VALUE) : r.Set##Type(dst, fd, VALUE); \
    return absl::OkStatus();
    PG_PUT_(INT32, Int32,
            AsInt(v, &i) && i >= std::numeric_limits<int32_t>::min() &&
                i <= std::numeric_limits<int32_t>::max(),
            static_cast<int32_t>(i))
    PG_PUT_(INT64, Int64, AsInt(v, &i), i)
    PG_PUT_(UINT32, UInt32, AsUint(v, &u) && u <= UINT32_MAX,
            static_cast<uint32_t>(u))
    PG_PUT_(UINT64, UInt64, AsUint(v, &u), u)
    PG_PUT_(DOUBLE, Double, v.kind() == VK::kDouble, v.double_value())
    PG_PUT_(FLOAT, Float, v.kind() == VK::kDouble,
            static_cast<float>(v.double_value()))
    PG_PUT_(BOOL, Bool, v.kind() == VK::kBool, v.bool_value())
    PG_PUT_(ENUM, EnumValue,
            AsInt(v, &i) && i >= std::numeric_limits<int32_t>::min() &&
                i <= std::numeric_limits<int32_t>::max(),
            static_cast<int>(i))
    PG_PUT_(
        STRING, String,
        v.kind() == (fd->type() == FieldDescriptor::TYPE_BYTES ? VK::kBytes
                                                               : VK::kString),
        std::string(v.string_value()))
#undef PG_PUT_
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // The value may point into `dst` (COMPUTE reads the response it
      // writes): copy it before the target changes.
      std::unique_ptr<Message> copy;
      expr::Value value = v;
      if (v.kind() == VK::kMessage) {
        copy.reset(v.message().New());
        copy->CopyFrom(v.message());
        value = expr::Value::Message(*copy);
      }
      Message* target = rep ? r.AddMessage(dst, fd) : r.MutableMessage(dst, fd);
      if (!rep) target->Clear();
      return PutMessage(value, target);
    }
  }
  return Misfit(v, *fd);
}

expr::Type ItemType(const ExprScope& scope) {
  if (scope.item_message != nullptr) {
    return expr::Type::Message(*scope.item_message);
  }
  return expr::Type::OfFieldElement(*scope.item_field);
}

}  // namespace

bool IsPlainPath(std::string_view text) {
  if (text.substr(0, 7) == "header[") {
    return text.size() > 10 && text.substr(text.size() - 2) == "\"]" &&
           text[7] == '"' &&
           text.substr(8, text.size() - 10).find('"') == std::string_view::npos;
  }
  // Only the reference roots start a path: `true` or `x.y` are expressions.
  const std::string_view root = text.substr(0, text.find('.'));
  if (root != "request" && root != "steps" && root != "item") return false;
  bool at_start = true;
  for (char c : text) {
    if (c == '.') {
      if (at_start) return false;
      at_start = true;
    } else if (absl::ascii_isalnum(c) || c == '_') {
      if (at_start && absl::ascii_isdigit(c)) return false;
      at_start = false;
    } else {
      return false;
    }
  }
  return !at_start;
}

absl::StatusOr<std::shared_ptr<const CompiledExpr>> CompileExpr(
    const CompileContext& ctx, std::string_view text, const ExprScope& scope) {
  expr::Env env;
  std::vector<ExprVar> vars;
  env.Declare("request", expr::Type::Message(*ctx.method.input_type()));
  vars.push_back({ExprRoot::kRequest});
  for (size_t i = 0; i < ctx.plan->steps.size(); ++i) {
    const CompiledStep& step = ctx.plan->steps[i];
    if (step.for_each.has_value()) continue;
    env.Declare(absl::StrCat("steps.", step.id, ".response"),
                expr::Type::Message(*step.result_type));
    vars.push_back({ExprRoot::kStepResponse, static_cast<int>(i)});
  }
  if (scope.item_field != nullptr || scope.item_message != nullptr) {
    env.Declare("item", ItemType(scope));
    vars.push_back({ExprRoot::kItem});
  }
  if (scope.allow_header) {
    env.Declare("header",
                expr::Type::Map(expr::Type::String(), expr::Type::String()));
    vars.push_back({ExprRoot::kHeader});
  }
  if (scope.response != nullptr) {
    env.Declare("response", expr::Type::Message(*scope.response));
    vars.push_back({ExprRoot::kResponse});
  }
  auto program = expr::Program::Compile(text, env);
  if (!program.ok()) return program.status();
  auto out = std::make_shared<CompiledExpr>();
  out->program = *std::move(program);
  out->vars = std::move(vars);
  for (int var : out->program->variables()) {
    if (out->vars[var].root == ExprRoot::kStepResponse) {
      out->steps.push_back(out->vars[var].step);
    }
  }
  return std::shared_ptr<const CompiledExpr>(std::move(out));
}

absl::Status CheckExprFits(const CompiledExpr& e, const FieldDescriptor& field,
                           bool single_into_list) {
  const expr::Type& have = e.program->type();
  const expr::Type want = expr::Type::OfField(field);
  if (want.Accepts(have)) return absl::OkStatus();
  if (field.is_repeated() && single_into_list &&
      expr::Type::OfFieldElement(field).Accepts(have)) {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "type mismatch: the expression has type ", have.DebugString(),
      ", field \"", field.name(), "\" is ", want.DebugString()));
}

namespace {

class RunActivation : public expr::Activation {
 public:
  RunActivation(const CompiledExpr& e, const ExprInputs& in) : e_(e), in_(in) {}

  expr::Value Get(int index) const override {
    const ExprVar& var = e_.vars[index];
    switch (var.root) {
      case ExprRoot::kRequest:
        return expr::Value::Message(*in_.values->request);
      case ExprRoot::kStepResponse: {
        const Message* m = in_.values->steps[var.step].response.get();
        if (m == nullptr) {
          return expr::Value::Error(
              absl::FailedPreconditionError("the step has no response"));
        }
        return expr::Value::Message(*m);
      }
      case ExprRoot::kItem:
        return Item();
      case ExprRoot::kHeader: {
        expr::MapEntries entries;
        for (const auto& [name, value] : *in_.values->headers) {
          entries.emplace_back(expr::Value::StringView(name),
                               expr::Value::StringView(value));
        }
        return expr::Value::Map(std::move(entries));
      }
      case ExprRoot::kResponse:
        return expr::Value::Message(*in_.response);
    }
    return expr::Value();
  }

 private:
  expr::Value Item() const {
    if (in_.item_message != nullptr) {
      return expr::Value::FromMessage(*in_.item_message);
    }
    const Value& item = *in_.item;
    if (item.field == nullptr) return expr::Value::FromMessage(*item.msg);
    if (item.index >= 0) {
      return expr::Value::RepeatedField(*item.msg, *item.field)
          .ListAt(item.index);
    }
    return expr::Value::FromField(*item.msg, *item.field);
  }

  const CompiledExpr& e_;
  const ExprInputs& in_;
};

}  // namespace

expr::Value EvalExpr(const CompiledExpr& e, const ExprInputs& in) {
  return e.program->Eval(RunActivation(e, in));
}

absl::Status WriteExprValue(const expr::Value& v, Message* root,
                            const FieldPath& path, WriteMode mode) {
  if (v.is_error()) return v.error();
  Message* dst = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    dst = dst->GetReflection()->MutableMessage(dst, path[i]);
  }
  const FieldDescriptor* fd = path.back();
  const Reflection& r = *dst->GetReflection();
  if (mode == WriteMode::kSetIfAbsent) {
    if (Truthy(Value{dst, fd})) return absl::OkStatus();
    mode = WriteMode::kSet;
  }
  if (!fd->is_repeated()) {
    if (mode == WriteMode::kMerge && v.kind() == VK::kMessage) {
      r.MutableMessage(dst, fd)->MergeFrom(v.message());
      return absl::OkStatus();
    }
    return PutOne(v, dst, fd);
  }
  if (v.kind() != VK::kList) {
    if (mode == WriteMode::kSet) r.ClearField(dst, fd);
    return PutOne(v, dst, fd);
  }
  // Build the elements first: a failure leaves the field as it was.
  std::unique_ptr<Message> scratch(dst->New());
  for (int i = 0; i < v.ListSize(); ++i) {
    absl::Status st = PutOne(v.ListAt(i), scratch.get(), fd);
    if (!st.ok()) return st;
  }
  if (mode == WriteMode::kSet) r.ClearField(dst, fd);
  dst->MergeFrom(*scratch);
  return absl::OkStatus();
}

}  // namespace protogate::aggregator
