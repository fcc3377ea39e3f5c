#include "expr/checker.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "expr/overloads.h"
#include "gateway/base/strings.h"
#include "re2/re2.h"

namespace protogate::expr {
namespace {

using K = TypeKind;

class Checker {
 public:
  Checker(const Env& env, CheckMode mode, CheckOutput* out)
      : env_(env), strict_(mode == CheckMode::kStrict), out_(out) {}

  absl::Status Visit(Node& n);

 private:
  absl::Status Fail(const Node& n, std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("column ", n.position + 1, ": ", base::ToAbsl(what)));
  }
  // A type error: fails in strict mode, else the node becomes dyn.
  absl::Status Mismatch(Node& n, std::string_view what) {
    n.type = Type::Dyn();
    return strict_ ? Fail(n, what) : absl::OkStatus();
  }
  bool ResolveQualified(Node& n);
  absl::Status VisitIdent(Node& n);
  absl::Status VisitSelect(Node& n);
  absl::Status VisitIndex(Node& n);
  absl::Status VisitCall(Node& n);
  absl::Status CallType(Node& n);
  absl::Status VisitLoop(Node& n);
  absl::Status VisitLiteralList(Node& n);
  // `&&`, `||` (two bool operands) and `?:` (a bool condition; the type
  // joins the branches').
  absl::Status VisitLogical(Node& n);

  const Env& env_;
  const bool strict_;
  CheckOutput* out_;
  std::vector<std::pair<std::string, int>> locals_;  // Innermost last.
  std::vector<Type> slot_types_;
};

// `a.b.c` as a qualified name, or "" when not a plain chain of names.
std::string QualifiedName(const Node& n) {
  if (n.kind == NodeKind::kIdent) return n.name;
  if (n.kind != NodeKind::kSelect || n.test_only) return "";
  std::string base = QualifiedName(*n.args[0]);
  return base.empty() ? "" : absl::StrCat(base, ".", n.name);
}

// Turns `n` into the variable it names, if the whole chain is declared.
bool Checker::ResolveQualified(Node& n) {
  const std::string name = QualifiedName(n);
  if (name.empty()) return false;
  if (n.kind == NodeKind::kIdent) {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->first == name) {
        n.kind = NodeKind::kSlot;
        n.index = it->second;
        n.type = slot_types_[it->second];
        return true;
      }
    }
  } else if (!locals_.empty()) {
    // A local shadows a variable whose qualified name starts with it.
    const std::string root = name.substr(0, name.find('.'));
    for (const auto& local : locals_) {
      if (local.first == root) return false;
    }
  }
  const int var = env_.Find(name);
  if (var < 0) return false;
  n.kind = NodeKind::kVar;
  n.index = var;
  n.type = env_.type(var);
  n.args.clear();
  out_->variables.push_back(var);
  return true;
}

// Turns `n` into a type constant if it names a type.
bool ResolveTypeName(Node& n) {
  const std::string name = QualifiedName(n);
  for (std::string_view t : TypeNames()) {
    if (name == t) {
      n.kind = NodeKind::kConst;
      n.value = Value::TypeName(t);
      n.type = Type::TypeType();
      n.args.clear();
      return true;
    }
  }
  return false;
}

absl::Status Checker::VisitIdent(Node& n) {
  if (ResolveQualified(n) || ResolveTypeName(n)) return absl::OkStatus();
  if (!strict_) {  // Left for Eval to report, as CEL does without checking.
    n.type = Type::Dyn();
    return absl::OkStatus();
  }
  return Fail(n, absl::StrCat("undeclared reference to \"", n.name, "\""));
}

absl::Status Checker::VisitSelect(Node& n) {
  if (ResolveQualified(n) || ResolveTypeName(n)) return absl::OkStatus();
  absl::Status st = Visit(*n.args[0]);
  if (!st.ok()) return st;
  const Type& operand = n.args[0]->type;
  switch (operand.kind()) {
    case K::kMessage: {
      n.field = operand.message().FindFieldByName(n.name);
      if (n.field == nullptr) {
        return Fail(n, absl::StrCat("no field \"", n.name, "\" in ",
                                    operand.message().full_name()));
      }
      n.type = n.test_only ? Type::Bool() : Type::OfField(*n.field);
      return absl::OkStatus();
    }
    case K::kMap:
      n.type = n.test_only ? Type::Bool() : operand.element();
      return absl::OkStatus();
    case K::kDyn:
      n.type = n.test_only ? Type::Bool() : Type::Dyn();
      return absl::OkStatus();
    default:
      return Mismatch(n, absl::StrCat("cannot select \"", n.name, "\" from ",
                                      operand.DebugString()));
  }
}

absl::Status Checker::VisitIndex(Node& n) {
  for (auto& arg : n.args) {
    absl::Status st = Visit(*arg);
    if (!st.ok()) return st;
  }
  const Type& operand = n.args[0]->type;
  const Type& index = n.args[1]->type;
  if (operand.kind() == K::kList) {
    n.type = operand.element();
    if (index.is_numeric() || index.is_dyn()) return absl::OkStatus();
    return Mismatch(
        n, absl::StrCat("list index must be int, not ", index.DebugString()));
  }
  if (operand.kind() == K::kMap) {
    n.type = operand.element();
    if (operand.key().Accepts(index) ||
        (operand.key().is_numeric() && index.is_numeric())) {
      return absl::OkStatus();
    }
    return Mismatch(
        n, absl::StrCat("map key must be ", operand.key().DebugString(),
                        ", not ", index.DebugString()));
  }
  n.type = Type::Dyn();
  if (operand.is_dyn()) return absl::OkStatus();
  return Mismatch(n, absl::StrCat("cannot index ", operand.DebugString()));
}

absl::Status Checker::VisitCall(Node& n) {
  for (const FnName& f : Functions()) {
    if (f.name != n.name) continue;
    const int args = static_cast<int>(n.args.size());
    const bool form_ok = f.receiver == 2 || (f.receiver == 1) == n.receiver;
    if (form_ok && args >= f.min_args && args <= f.max_args) {
      n.fn = f.fn;
      break;
    }
  }
  if (n.fn == Fn::kUnknown && !strict_) {
    n.type = Type::Dyn();
    for (auto& arg : n.args) {
      absl::Status st = Visit(*arg);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  if (n.fn == Fn::kUnknown) {
    return Fail(
        n, absl::StrCat("unknown function \"", n.name, "\" with ",
                        n.args.size() - (n.receiver ? 1 : 0), " argument(s)"));
  }
  for (auto& arg : n.args) {
    absl::Status st = Visit(*arg);
    if (!st.ok()) return st;
  }
  if (n.fn == Fn::kMatches && n.args[1]->kind == NodeKind::kConst &&
      n.args[1]->value.kind() == ValueKind::kString) {
    auto re = std::make_shared<const re2::RE2>(n.args[1]->value.string_value(),
                                               re2::RE2::Quiet);
    if (!re->ok()) return Fail(*n.args[1], "invalid regular expression");
    n.regex = std::move(re);
  }
  return CallType(n);
}

absl::Status Checker::CallType(Node& n) {
  const Type& a = n.args[0]->type;
  const Type b = n.args.size() > 1 ? n.args[1]->type : Type::Dyn();
  switch (n.fn) {
    case Fn::kEq:
    case Fn::kNe:
      n.type = Type::Bool();
      if (a.Accepts(b) || b.Accepts(a) || (a.is_numeric() && b.is_numeric()) ||
          a.kind() == K::kNull || b.kind() == K::kNull) {
        return absl::OkStatus();
      }
      break;
    case Fn::kIn:
      n.type = Type::Bool();
      if (b.is_dyn()) return absl::OkStatus();
      if (b.kind() == K::kList &&
          (b.element().Accepts(a) ||
           (a.is_numeric() && b.element().is_numeric())))
        return absl::OkStatus();
      if (b.kind() == K::kMap &&
          (b.key().Accepts(a) || (a.is_numeric() && b.key().is_numeric())))
        return absl::OkStatus();
      break;
    case Fn::kDyn:
      n.type = Type::Dyn();
      return absl::OkStatus();
    default: {
      Type result;
      int matches = 0;
      for (const Sig& s : Overloads(n.fn)) {
        if (!KindMatches(s.a, a) || (n.args.size() > 1 && !KindMatches(s.b, b)))
          continue;
        if (n.args.size() == 1 && s.b != K::kDyn) continue;
        Type t = ScalarType(s.result);
        if (s.result == K::kList) {
          t = a.kind() == K::kList && b.kind() == K::kList
                  ? Type::List(Join(a.element(), b.element()))
                  : Type::List(Type::Dyn());
        }
        result = matches == 0 ? t : (result == t ? t : Type::Dyn());
        ++matches;
      }
      if (matches > 0) {
        n.type = result;
        return absl::OkStatus();
      }
      break;
    }
  }
  std::vector<std::string> types;
  for (const auto& arg : n.args) types.push_back(arg->type.DebugString());
  return Mismatch(
      n, absl::StrCat("no matching overload for '", n.name, "' applied to (",
                      absl::StrJoin(types, ", "), ")"));
}

absl::Status Checker::VisitLoop(Node& n) {
  absl::Status st = Visit(*n.args[0]);
  if (!st.ok()) return st;
  const Type& range = n.args[0]->type;
  Type var = Type::Dyn();
  if (range.kind() == K::kList) {
    var = range.element();
  } else if (range.kind() == K::kMap) {
    var = range.key();
  } else if (!range.is_dyn()) {
    return Mismatch(n,
                    absl::StrCat("cannot iterate over ", range.DebugString()));
  }
  n.index = static_cast<int>(slot_types_.size());
  slot_types_.push_back(var);
  out_->slots = std::max(out_->slots, n.index + 1);
  locals_.emplace_back(n.name, n.index);
  for (size_t i = 1; i < n.args.size(); ++i) {
    st = Visit(*n.args[i]);
    if (!st.ok()) return st;
  }
  locals_.pop_back();
  const bool needs_bool = n.macro != Macro::kMap || n.args.size() == 3;
  const Type& pred = n.macro == Macro::kMap && n.args.size() == 3
                         ? n.args[2]->type
                         : n.args[1]->type;
  if (needs_bool && !Type::Bool().Accepts(pred)) {
    return Mismatch(n, absl::StrCat("the condition of ", n.name,
                                    " must be bool, not ", pred.DebugString()));
  }
  switch (n.macro) {
    case Macro::kMap:
      n.type = Type::List(n.args[1]->type);
      break;
    case Macro::kFilter:
      n.type = Type::List(var);
      break;
    default:
      n.type = Type::Bool();
  }
  return absl::OkStatus();
}

absl::Status Checker::VisitLiteralList(Node& n) {
  const bool map = n.kind == NodeKind::kMap;
  Type key, element;
  for (size_t i = 0; i < n.args.size(); ++i) {
    absl::Status st = Visit(*n.args[i]);
    if (!st.ok()) return st;
    const bool is_key = map && i % 2 == 0;
    Type& acc = is_key ? key : element;
    const size_t first = map ? (is_key ? 0 : 1) : 0;
    acc = i == first ? n.args[i]->type : Join(acc, n.args[i]->type);
    if (is_key) {
      const K k = n.args[i]->type.kind();
      if (k != K::kInt && k != K::kUint && k != K::kString && k != K::kBool &&
          k != K::kDyn) {
        return Mismatch(*n.args[i],
                        "map keys must be int, uint, string or bool");
      }
    }
  }
  n.type = map ? Type::Map(key, element) : Type::List(element);
  return absl::OkStatus();
}

// The type of a constant of `kind`.
Type ConstantType(ValueKind kind) {
  switch (kind) {
    case ValueKind::kNull:
      return Type::Null();
    case ValueKind::kBool:
      return Type::Bool();
    case ValueKind::kInt:
      return Type::Int();
    case ValueKind::kUint:
      return Type::Uint();
    case ValueKind::kDouble:
      return Type::Double();
    case ValueKind::kString:
      return Type::String();
    case ValueKind::kBytes:
      return Type::Bytes();
    default:
      return Type::Dyn();
  }
}

absl::Status Checker::VisitLogical(Node& n) {
  for (auto& arg : n.args) {
    absl::Status st = Visit(*arg);
    if (!st.ok()) return st;
  }
  const size_t bools = n.kind == NodeKind::kCond ? 1 : 2;
  for (size_t i = 0; i < bools; ++i) {
    if (!Type::Bool().Accepts(n.args[i]->type)) {
      return Mismatch(*n.args[i], absl::StrCat("expected bool, got ",
                                               n.args[i]->type.DebugString()));
    }
  }
  n.type = n.kind == NodeKind::kCond ? Join(n.args[1]->type, n.args[2]->type)
                                     : Type::Bool();
  return absl::OkStatus();
}

absl::Status Checker::Visit(Node& n) {
  switch (n.kind) {
    case NodeKind::kConst:
      n.type = ConstantType(n.value.kind());
      return absl::OkStatus();
    case NodeKind::kIdent:
      return VisitIdent(n);
    case NodeKind::kSelect:
      return VisitSelect(n);
    case NodeKind::kIndex:
      return VisitIndex(n);
    case NodeKind::kCall:
      return VisitCall(n);
    case NodeKind::kList:
    case NodeKind::kMap:
      return VisitLiteralList(n);
    case NodeKind::kAnd:
    case NodeKind::kOr:
    case NodeKind::kCond:
      return VisitLogical(n);
    case NodeKind::kLoop:
      return VisitLoop(n);
    case NodeKind::kVar:
    case NodeKind::kSlot:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Check(const Env& env, CheckMode mode, Node& root,
                   CheckOutput* out) {
  Checker checker(env, mode, out);
  absl::Status st = checker.Visit(root);
  std::sort(out->variables.begin(), out->variables.end());
  out->variables.erase(
      std::unique(out->variables.begin(), out->variables.end()),
      out->variables.end());
  return st;
}

}  // namespace protogate::expr
