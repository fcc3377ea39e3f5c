// The standard function declarations of the supported CEL subset, as the
// checker uses them: names and call forms (global or receiver), overload
// signatures by argument kind, and the type joins of list literals and
// conditionals. Internal to expr/.
//
// Thread safety: constant tables and pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "expr/ast.h"
#include "expr/type.h"

namespace protogate::expr {

// A function name and the call forms it accepts.
struct FnName {
  std::string_view name;
  Fn fn;
  int receiver;            // 1: method form only, 0: global only, 2: either.
  int min_args, max_args;  // Counting the receiver.
};

// Every function of the subset; Fn::kUnknown is not listed.
const std::vector<FnName>& Functions();

// The identifiers that name types (`int`, `google.protobuf.Timestamp`).
const std::vector<std::string_view>& TypeNames();

// One overload: argument kinds (kDyn: any) and the result kind.
struct Sig {
  TypeKind a, b, result;
};

// The overloads of `fn` other than ==, != and in (which are generic).
std::vector<Sig> Overloads(Fn fn);

// The type of a non-container kind (kDyn for containers).
Type ScalarType(TypeKind kind);

// True when an argument of type `have` may bind a parameter of kind `want`.
bool KindMatches(TypeKind want, const Type& have);

// The common type of two branches or elements: equal types stay, null
// joins anything nullable, otherwise dyn.
Type Join(const Type& a, const Type& b);

}  // namespace protogate::expr
