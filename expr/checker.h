// Check: resolves and type-checks a parsed expression against an Env, in
// place: identifiers become variables or comprehension slots, selections on
// messages get their field descriptors, calls their function, literal regex
// patterns are compiled, and every node gets its static type. Internal to
// expr/ (Program calls it).
//
// Strict checking (the default) rejects what CEL's checker rejects for the
// supported subset: unknown variables, fields and functions, and calls with
// no matching overload. Lenient checking (for expressions the CEL
// conformance data marks `disable_check`) only resolves names; mismatched
// types are left to the run-time error values.
//
// Thread safety: stateless function.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "expr/ast.h"
#include "expr/env.h"

namespace protogate::expr {

enum class CheckMode { kStrict, kLenient };

struct CheckOutput {
  int slots = 0;               // Comprehension variables needed by Eval.
  std::vector<int> variables;  // Env variables referenced, sorted, unique.
};

// InvalidArgument `column <n>: <what>` (n counts from 1).
absl::Status Check(const Env& env, CheckMode mode, Node& root,
                   CheckOutput* out);

}  // namespace protogate::expr
