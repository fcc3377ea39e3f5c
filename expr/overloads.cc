#include "expr/overloads.h"

namespace protogate::expr {

using K = TypeKind;

const std::vector<FnName>& Functions() {
  static const std::vector<FnName>* functions = new std::vector<FnName>{
      {"_+_", Fn::kAdd, 0, 2, 2},
      {"_-_", Fn::kSub, 0, 2, 2},
      {"_*_", Fn::kMul, 0, 2, 2},
      {"_/_", Fn::kDiv, 0, 2, 2},
      {"_%_", Fn::kMod, 0, 2, 2},
      {"-_", Fn::kNeg, 0, 1, 1},
      {"!_", Fn::kNot, 0, 1, 1},
      {"_==_", Fn::kEq, 0, 2, 2},
      {"_!=_", Fn::kNe, 0, 2, 2},
      {"_<_", Fn::kLt, 0, 2, 2},
      {"_<=_", Fn::kLe, 0, 2, 2},
      {"_>_", Fn::kGt, 0, 2, 2},
      {"_>=_", Fn::kGe, 0, 2, 2},
      {"@in", Fn::kIn, 0, 2, 2},
      {"size", Fn::kSize, 2, 1, 1},
      {"startsWith", Fn::kStartsWith, 1, 2, 2},
      {"endsWith", Fn::kEndsWith, 1, 2, 2},
      {"contains", Fn::kContains, 1, 2, 2},
      {"matches", Fn::kMatches, 2, 2, 2},
      {"int", Fn::kToInt, 0, 1, 1},
      {"uint", Fn::kToUint, 0, 1, 1},
      {"double", Fn::kToDouble, 0, 1, 1},
      {"string", Fn::kToString, 0, 1, 1},
      {"bool", Fn::kToBool, 0, 1, 1},
      {"bytes", Fn::kToBytes, 0, 1, 1},
      {"timestamp", Fn::kToTimestamp, 0, 1, 1},
      {"duration", Fn::kToDuration, 0, 1, 1},
      {"dyn", Fn::kDyn, 0, 1, 1},
      {"type", Fn::kTypeOf, 0, 1, 1},
      {"getFullYear", Fn::kGetFullYear, 1, 1, 2},
      {"getMonth", Fn::kGetMonth, 1, 1, 2},
      {"getDayOfYear", Fn::kGetDayOfYear, 1, 1, 2},
      {"getDayOfMonth", Fn::kGetDayOfMonth, 1, 1, 2},
      {"getDate", Fn::kGetDate, 1, 1, 2},
      {"getDayOfWeek", Fn::kGetDayOfWeek, 1, 1, 2},
      {"getHours", Fn::kGetHours, 1, 1, 2},
      {"getMinutes", Fn::kGetMinutes, 1, 1, 2},
      {"getSeconds", Fn::kGetSeconds, 1, 1, 2},
      {"getMilliseconds", Fn::kGetMilliseconds, 1, 1, 2},
  };
  return *functions;
}

const std::vector<std::string_view>& TypeNames() {
  static const std::vector<std::string_view>* names =
      new std::vector<std::string_view>{"int",
                                        "uint",
                                        "double",
                                        "bool",
                                        "string",
                                        "bytes",
                                        "list",
                                        "map",
                                        "type",
                                        "null_type",
                                        "google.protobuf.Timestamp",
                                        "google.protobuf.Duration"};
  return *names;
}

std::vector<Sig> Overloads(Fn fn) {
  const K I = K::kInt, U = K::kUint, D = K::kDouble, S = K::kString,
          B = K::kBytes, T = K::kTimestamp, Du = K::kDuration, Bo = K::kBool,
          Y = K::kDyn, Ty = K::kType, L = K::kList, M = K::kMap;
  switch (fn) {
    case Fn::kAdd:
      return {{I, I, I}, {U, U, U},  {D, D, D},  {S, S, S},   {B, B, B},
              {L, L, L}, {T, Du, T}, {Du, T, T}, {Du, Du, Du}};
    case Fn::kSub:
      return {{I, I, I},  {U, U, U},  {D, D, D},
              {T, T, Du}, {T, Du, T}, {Du, Du, Du}};
    case Fn::kMul:
    case Fn::kDiv:
      return {{I, I, I}, {U, U, U}, {D, D, D}};
    case Fn::kMod:
      return {{I, I, I}, {U, U, U}};
    case Fn::kNeg:
      return {{I, Y, I}, {D, Y, D}};
    case Fn::kNot:
      return {{Bo, Y, Bo}};
    case Fn::kLt:
    case Fn::kLe:
    case Fn::kGt:
    case Fn::kGe: {
      std::vector<Sig> out;
      for (K x : {I, U, D})
        for (K y : {I, U, D}) out.push_back({x, y, Bo});
      for (K x : {S, B, Bo, T, Du}) out.push_back({x, x, Bo});
      return out;
    }
    case Fn::kSize:
      return {{S, Y, I}, {B, Y, I}, {L, Y, I}, {M, Y, I}};
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains:
    case Fn::kMatches:
      return {{S, S, Bo}};
    case Fn::kToInt:
      return {{I, Y, I}, {U, Y, I}, {D, Y, I}, {S, Y, I}, {T, Y, I}};
    case Fn::kToUint:
      return {{I, Y, U}, {U, Y, U}, {D, Y, U}, {S, Y, U}};
    case Fn::kToDouble:
      return {{I, Y, D}, {U, Y, D}, {D, Y, D}, {S, Y, D}};
    case Fn::kToString:
      return {{I, Y, S}, {U, Y, S},  {D, Y, S}, {S, Y, S},
              {B, Y, S}, {Bo, Y, S}, {T, Y, S}, {Du, Y, S}};
    case Fn::kToBool:
      return {{Bo, Y, Bo}, {S, Y, Bo}};
    case Fn::kToBytes:
      return {{B, Y, B}, {S, Y, B}};
    case Fn::kToTimestamp:
      return {{T, Y, T}, {S, Y, T}, {I, Y, T}};
    case Fn::kToDuration:
      return {{Du, Y, Du}, {S, Y, Du}};
    case Fn::kTypeOf:
      return {{Y, Y, Ty}};
    case Fn::kGetHours:
    case Fn::kGetMinutes:
    case Fn::kGetSeconds:
    case Fn::kGetMilliseconds:
      return {{T, Y, I}, {T, S, I}, {Du, Y, I}};
    default:  // Other timestamp accessors.
      return {{T, Y, I}, {T, S, I}};
  }
}

Type ScalarType(K kind) {
  switch (kind) {
    case K::kInt:
      return Type::Int();
    case K::kUint:
      return Type::Uint();
    case K::kDouble:
      return Type::Double();
    case K::kString:
      return Type::String();
    case K::kBytes:
      return Type::Bytes();
    case K::kBool:
      return Type::Bool();
    case K::kTimestamp:
      return Type::Timestamp();
    case K::kDuration:
      return Type::Duration();
    case K::kType:
      return Type::TypeType();
    default:
      return Type::Dyn();
  }
}

bool KindMatches(K want, const Type& have) {
  return want == K::kDyn || have.is_dyn() || have.kind() == want;
}

Type Join(const Type& a, const Type& b) {
  if (a == b) return a;
  if (a.kind() == K::kNull) return b;
  if (b.kind() == K::kNull) return a;
  return Type::Dyn();
}

}  // namespace protogate::expr
