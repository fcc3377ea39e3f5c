#include "expr/functions.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "expr/conversions.h"
#include "gateway/base/strings.h"
#include "re2/re2.h"

namespace protogate::expr {
namespace {

using VK = ValueKind;

Value Err(std::string_view what) {
  return Value::Error(absl::InvalidArgumentError(base::ToAbsl(what)));
}
Value Overflow() { return Err("integer overflow"); }

Value AddInts(const Node& n, Fn fn, int64_t a, int64_t b) {
  int64_t r = 0;
  bool overflow = false;
  switch (fn) {
    case Fn::kAdd:
      overflow = __builtin_add_overflow(a, b, &r);
      break;
    case Fn::kSub:
      overflow = __builtin_sub_overflow(a, b, &r);
      break;
    case Fn::kMul:
      overflow = __builtin_mul_overflow(a, b, &r);
      break;
    case Fn::kDiv:
      if (b == 0) return Err("divide by zero");
      if (a == std::numeric_limits<int64_t>::min() && b == -1)
        return Overflow();
      r = a / b;
      break;
    case Fn::kMod:
      if (b == 0) return Err("modulus by zero");
      if (a == std::numeric_limits<int64_t>::min() && b == -1)
        return Overflow();
      r = a % b;
      break;
    default:
      return NoSuchOverload(n);
  }
  return overflow ? Overflow() : Value::Int(r);
}

Value AddUints(const Node& n, Fn fn, uint64_t a, uint64_t b) {
  uint64_t r = 0;
  bool overflow = false;
  switch (fn) {
    case Fn::kAdd:
      overflow = __builtin_add_overflow(a, b, &r);
      break;
    case Fn::kSub:
      overflow = __builtin_sub_overflow(a, b, &r);
      break;
    case Fn::kMul:
      overflow = __builtin_mul_overflow(a, b, &r);
      break;
    case Fn::kDiv:
      if (b == 0) return Err("divide by zero");
      r = a / b;
      break;
    case Fn::kMod:
      if (b == 0) return Err("modulus by zero");
      r = a % b;
      break;
    default:
      return NoSuchOverload(n);
  }
  return overflow ? Overflow() : Value::Uint(r);
}

Value AddDoubles(const Node& n, Fn fn, double a, double b) {
  switch (fn) {
    case Fn::kAdd:
      return Value::Double(a + b);
    case Fn::kSub:
      return Value::Double(a - b);
    case Fn::kMul:
      return Value::Double(a * b);
    case Fn::kDiv:
      return Value::Double(a / b);
    default:
      return NoSuchOverload(n);
  }
}

Value Concat(const Value& a, const Value& b) {
  if (a.kind() == VK::kList) {
    ValueList out;
    out.reserve(a.ListSize() + b.ListSize());
    for (int i = 0; i < a.ListSize(); ++i) out.push_back(a.ListAt(i));
    for (int i = 0; i < b.ListSize(); ++i) out.push_back(b.ListAt(i));
    return Value::List(std::move(out));
  }
  std::string s = absl::StrCat(base::ToAbsl(a.string_value()),
                               base::ToAbsl(b.string_value()));
  return a.kind() == VK::kString ? Value::String(std::move(s))
                                 : Value::Bytes(std::move(s));
}

Value Arithmetic(const Node& n, const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return TimeArithmetic(n, a, b);
  switch (a.kind()) {
    case VK::kInt:
      return AddInts(n, n.fn, a.int_value(), b.int_value());
    case VK::kUint:
      return AddUints(n, n.fn, a.uint_value(), b.uint_value());
    case VK::kDouble:
      return AddDoubles(n, n.fn, a.double_value(), b.double_value());
    case VK::kString:
    case VK::kBytes:
    case VK::kList:
      if (n.fn == Fn::kAdd) return Concat(a, b);
      return NoSuchOverload(n);
    default:
      return TimeArithmetic(n, a, b);
  }
}

// <0, 0, >0; or 2 when unordered (NaN) / not comparable (-2).
int Compare(const Value& a, const Value& b) {
  auto three = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  const VK x = a.kind(), y = b.kind();
  auto d = [](const Value& v) {
    return v.kind() == VK::kInt    ? static_cast<double>(v.int_value())
           : v.kind() == VK::kUint ? static_cast<double>(v.uint_value())
                                   : v.double_value();
  };
  if (x == VK::kDouble || y == VK::kDouble) {
    if ((x != VK::kDouble && x != VK::kInt && x != VK::kUint) ||
        (y != VK::kDouble && y != VK::kInt && y != VK::kUint))
      return -2;
    const double p = d(a), q = d(b);
    if (std::isnan(p) || std::isnan(q)) return 2;
    return three(p, q);
  }
  if (x == VK::kInt && y == VK::kUint) {
    return a.int_value() < 0
               ? -1
               : three(static_cast<uint64_t>(a.int_value()), b.uint_value());
  }
  if (x == VK::kUint && y == VK::kInt) return -Compare(b, a);
  if (x != y) return -2;
  switch (x) {
    case VK::kInt:
      return three(a.int_value(), b.int_value());
    case VK::kUint:
      return three(a.uint_value(), b.uint_value());
    case VK::kBool:
      return three(a.bool_value(), b.bool_value());
    case VK::kString:
    case VK::kBytes: {
      const int c = a.string_value().compare(b.string_value());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case VK::kTimestamp:
      return three(a.time_value(), b.time_value());
    case VK::kDuration:
      return three(a.duration_value(), b.duration_value());
    default:
      return -2;
  }
}

Value Relation(const Node& n, const Value& a, const Value& b) {
  const int c = Compare(a, b);
  if (c == -2) return NoSuchOverload(n);
  if (c == 2) return Value::Bool(false);
  switch (n.fn) {
    case Fn::kLt:
      return Value::Bool(c < 0);
    case Fn::kLe:
      return Value::Bool(c <= 0);
    case Fn::kGt:
      return Value::Bool(c > 0);
    default:
      return Value::Bool(c >= 0);
  }
}

Value In(const Node& n, const Value& a, const Value& b) {
  if (b.kind() == VK::kList) {
    for (int i = 0; i < b.ListSize(); ++i) {
      if (ValuesEqual(a, b.ListAt(i))) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  if (b.kind() == VK::kMap) {
    for (const auto& entry : b.map_entries()) {
      if (ValuesEqual(a, entry.first)) return Value::Bool(true);
    }
    return Value::Bool(false);
  }
  return NoSuchOverload(n);
}

int64_t CodePoints(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Value Size(const Node& n, const Value& a) {
  switch (a.kind()) {
    case VK::kString:
      return Value::Int(CodePoints(a.string_value()));
    case VK::kBytes:
      return Value::Int(static_cast<int64_t>(a.string_value().size()));
    case VK::kList:
      return Value::Int(a.ListSize());
    case VK::kMap:
      return Value::Int(static_cast<int64_t>(a.map_entries().size()));
    default:
      return NoSuchOverload(n);
  }
}

Value StringTest(const Node& n, const Value& a, const Value& b) {
  if (a.kind() != VK::kString || b.kind() != VK::kString) {
    return NoSuchOverload(n);
  }
  const absl::string_view s = base::ToAbsl(a.string_value()),
                          p = base::ToAbsl(b.string_value());
  switch (n.fn) {
    case Fn::kStartsWith:
      return Value::Bool(absl::StartsWith(s, p));
    case Fn::kEndsWith:
      return Value::Bool(absl::EndsWith(s, p));
    case Fn::kContains:
      return Value::Bool(absl::StrContains(s, p));
    default:
      break;
  }
  if (n.regex != nullptr)
    return Value::Bool(
        re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *n.regex));
  re2::RE2 re(re2::StringPiece(p.data(), p.size()), re2::RE2::Quiet);
  if (!re.ok()) return Err("invalid regular expression");
  return Value::Bool(
      re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re));
}

}  // namespace

Value NoSuchOverload(const Node& call) {
  return Err(absl::StrCat("no such overload for ", call.name));
}

Value ApplyFunction(const Node& n, absl::Span<const Value> args) {
  const Value& a = args[0];
  switch (n.fn) {
    case Fn::kAdd:
    case Fn::kSub:
    case Fn::kMul:
    case Fn::kDiv:
    case Fn::kMod:
      return Arithmetic(n, a, args[1]);
    case Fn::kNeg:
      if (a.kind() == VK::kInt) {
        if (a.int_value() == std::numeric_limits<int64_t>::min())
          return Overflow();
        return Value::Int(-a.int_value());
      }
      if (a.kind() == VK::kDouble) return Value::Double(-a.double_value());
      return NoSuchOverload(n);
    case Fn::kNot:
      if (a.kind() != VK::kBool) return NoSuchOverload(n);
      return Value::Bool(!a.bool_value());
    case Fn::kEq:
      return Value::Bool(ValuesEqual(a, args[1]));
    case Fn::kNe:
      return Value::Bool(!ValuesEqual(a, args[1]));
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe:
      return Relation(n, a, args[1]);
    case Fn::kIn:
      return In(n, a, args[1]);
    case Fn::kSize:
      return Size(n, a);
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains:
    case Fn::kMatches:
      return StringTest(n, a, args[1]);
    case Fn::kDyn:
      return a;
    case Fn::kTypeOf:
      return a.kind() == VK::kMessage ? Value::TypeName(a.KindName())
                                      : Value::TypeName(a.KindName());
    default:
      return Convert(n, args);
  }
}

}  // namespace protogate::expr
