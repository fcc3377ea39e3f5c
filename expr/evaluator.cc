#include "expr/evaluator.h"

#include <cmath>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "expr/functions.h"
#include "gateway/base/strings.h"
#include "google/protobuf/reflection.h"

namespace protogate::expr {
namespace {

using VK = ValueKind;
using google::protobuf::FieldDescriptor;

Value Err(std::string_view what) {
  return Value::Error(absl::InvalidArgumentError(base::ToAbsl(what)));
}

class Evaluator {
 public:
  Evaluator(const Activation& activation, Value* slots)
      : activation_(activation), slots_(slots) {}

  Value Eval(const Node& n);

 private:
  Value Select(const Node& n);
  Value Index(const Node& n);
  Value Call(const Node& n);
  Value Logic(const Node& n);
  Value Cond(const Node& n);
  Value Loop(const Node& n);
  Value Literal(const Node& n);

  const Activation& activation_;
  Value* slots_;
};

Value FieldOf(const Node& n, const google::protobuf::Message& msg,
              const FieldDescriptor* field) {
  if (field == nullptr) {
    field = msg.GetDescriptor()->FindFieldByName(n.name);
    if (field == nullptr)
      return Err(absl::StrCat("no such field \"", n.name, "\""));
  }
  if (n.test_only) {
    const auto& r = *msg.GetReflection();
    return Value::Bool(field->is_repeated() ? r.FieldSize(msg, field) > 0
                                            : r.HasField(msg, field));
  }
  return Value::FromField(msg, *field);
}

// The entry of `map` with key `key`, or nullptr.
const Value* MapLookup(const Value& map, const Value& key) {
  for (const auto& [k, v] : map.map_entries()) {
    if (ValuesEqual(k, key)) return &v;
  }
  return nullptr;
}

Value Evaluator::Select(const Node& n) {
  const Value operand = Eval(*n.args[0]);
  switch (operand.kind()) {
    case VK::kError:
      return operand;
    case VK::kMessage:
      return FieldOf(n, operand.message(), n.field);
    case VK::kMap: {
      const Value* v = MapLookup(operand, Value::StringView(n.name));
      if (n.test_only) return Value::Bool(v != nullptr);
      if (v == nullptr)
        return Err(absl::StrCat("no such key \"", n.name, "\""));
      return *v;
    }
    default:
      return Err(absl::StrCat("cannot select \"", n.name, "\" from ",
                              base::ToAbsl(operand.KindName())));
  }
}

Value Evaluator::Index(const Node& n) {
  const Value operand = Eval(*n.args[0]);
  if (operand.is_error()) return operand;
  const Value index = Eval(*n.args[1]);
  if (index.is_error()) return index;
  if (operand.kind() == VK::kMap) {
    const Value* v = MapLookup(operand, index);
    if (v == nullptr) return Err("no such key");
    return *v;
  }
  if (operand.kind() != VK::kList) return Err("no such overload for index");
  int64_t i = 0;
  switch (index.kind()) {
    case VK::kInt:
      i = index.int_value();
      break;
    case VK::kUint:
      i = index.uint_value() > INT64_MAX
              ? -1
              : static_cast<int64_t>(index.uint_value());
      break;
    case VK::kDouble: {
      const double d = index.double_value();
      if (d != std::trunc(d)) return Err("invalid list index");
      i = d >= 0 && d < 9.2e18 ? static_cast<int64_t>(d) : -1;
      break;
    }
    default:
      return Err("no such overload for index");
  }
  if (i < 0 || i >= operand.ListSize()) {
    return Err(absl::StrCat("index out of range: ", i));
  }
  return operand.ListAt(static_cast<int>(i));
}

Value Evaluator::Call(const Node& n) {
  if (n.fn == Fn::kUnknown) {
    return Err(absl::StrCat("unknown function \"", n.name, "\""));
  }
  absl::InlinedVector<Value, 3> args;
  for (const auto& arg : n.args) {
    args.push_back(Eval(*arg));
    if (args.back().is_error()) return args.back();
  }
  return ApplyFunction(n, args);
}

// CEL's commutative && and ||: a deciding operand wins over an error.
Value Evaluator::Logic(const Node& n) {
  const bool decides = n.kind == NodeKind::kOr;  // true for ||, false for &&
  const Value left = Eval(*n.args[0]);
  if (left.kind() == VK::kBool && left.bool_value() == decides) return left;
  const Value right = Eval(*n.args[1]);
  if (right.kind() == VK::kBool && right.bool_value() == decides) return right;
  if (left.kind() == VK::kBool && right.kind() == VK::kBool) return right;
  if (left.is_error()) return left;
  if (right.is_error()) return right;
  return Err(
      absl::StrCat("no matching overload for ", decides ? "_||_" : "_&&_"));
}

Value Evaluator::Cond(const Node& n) {
  const Value cond = Eval(*n.args[0]);
  if (cond.is_error()) return cond;
  if (cond.kind() != VK::kBool) return Err("no matching overload for _?_:_");
  return Eval(*n.args[cond.bool_value() ? 1 : 2]);
}

Value Evaluator::Loop(const Node& n) {
  const Value range = Eval(*n.args[0]);
  if (range.is_error()) return range;
  if (range.kind() != VK::kList && range.kind() != VK::kMap) {
    return Err("comprehension over a value that is not a list or map");
  }
  const bool is_map = range.kind() == VK::kMap;
  const int size =
      is_map ? static_cast<int>(range.map_entries().size()) : range.ListSize();
  Value error;
  int64_t count = 0;
  ValueList out;
  for (int i = 0; i < size; ++i) {
    slots_[n.index] = is_map ? range.map_entries()[i].first : range.ListAt(i);
    const bool has_filter = n.macro == Macro::kMap && n.args.size() == 3;
    const Value v = Eval(*n.args[has_filter ? 2 : 1]);
    if (n.macro == Macro::kMap && !has_filter) {
      if (v.is_error()) return v;
      out.push_back(v);
      continue;
    }
    if (v.kind() != VK::kBool) {
      const Value e = v.is_error() ? v : Err("predicate is not a bool");
      if (n.macro == Macro::kAll || n.macro == Macro::kExists) {
        if (!error.is_error()) error = e;
        continue;
      }
      return e;
    }
    const bool b = v.bool_value();
    switch (n.macro) {
      case Macro::kAll:
        if (!b) return Value::Bool(false);
        break;
      case Macro::kExists:
        if (b) return Value::Bool(true);
        break;
      case Macro::kExistsOne:
        count += b;
        break;
      case Macro::kFilter:
        if (b) out.push_back(slots_[n.index]);
        break;
      case Macro::kMap:
        if (b) {
          Value t = Eval(*n.args[1]);
          if (t.is_error()) return t;
          out.push_back(std::move(t));
        }
        break;
    }
  }
  switch (n.macro) {
    case Macro::kAll:
      return error.is_error() ? error : Value::Bool(true);
    case Macro::kExists:
      return error.is_error() ? error : Value::Bool(false);
    case Macro::kExistsOne:
      return Value::Bool(count == 1);
    default:
      return Value::List(std::move(out));
  }
}

Value Evaluator::Literal(const Node& n) {
  if (n.kind == NodeKind::kList) {
    ValueList out;
    out.reserve(n.args.size());
    for (const auto& arg : n.args) {
      out.push_back(Eval(*arg));
      if (out.back().is_error()) return out.back();
    }
    return Value::List(std::move(out));
  }
  MapEntries entries;
  for (size_t i = 0; i < n.args.size(); i += 2) {
    Value key = Eval(*n.args[i]);
    if (key.is_error()) return key;
    const VK k = key.kind();
    if (k != VK::kInt && k != VK::kUint && k != VK::kString && k != VK::kBool) {
      return Err("unsupported map key type");
    }
    Value value = Eval(*n.args[i + 1]);
    if (value.is_error()) return value;
    for (const auto& entry : entries) {
      if (ValuesEqual(entry.first, key))
        return Err("repeated key in map literal");
    }
    entries.emplace_back(std::move(key), std::move(value));
  }
  return Value::Map(std::move(entries));
}

Value Evaluator::Eval(const Node& n) {
  switch (n.kind) {
    case NodeKind::kConst:
      return n.value;
    case NodeKind::kVar:
      return activation_.Get(n.index);
    case NodeKind::kSlot:
      return slots_[n.index];
    case NodeKind::kSelect:
      return Select(n);
    case NodeKind::kIndex:
      return Index(n);
    case NodeKind::kCall:
      return Call(n);
    case NodeKind::kAnd:
    case NodeKind::kOr:
      return Logic(n);
    case NodeKind::kCond:
      return Cond(n);
    case NodeKind::kLoop:
      return Loop(n);
    case NodeKind::kList:
    case NodeKind::kMap:
      return Literal(n);
    case NodeKind::kIdent:
      break;
  }
  return Err("unresolved identifier");
}

}  // namespace

Value Evaluate(const Node& root, const Activation& activation, Value* slots) {
  return Evaluator(activation, slots).Eval(root);
}

}  // namespace protogate::expr
