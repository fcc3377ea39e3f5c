// The standard functions of the supported CEL subset, dispatched on the
// run-time kinds of their (already evaluated, non-error) arguments.
// Internal to expr/. Every failure is a Value::Error with CEL's wording
// ("no such overload", "divide by zero", "integer overflow", ...).
//
// Thread safety: stateless.
#pragma once

#include "absl/types/span.h"
#include "expr/ast.h"
#include "expr/value.h"

namespace protogate::expr {

// Applies `call.fn` to `args` (receiver first). REQUIRES: no argument is an
// error (the evaluator propagates those first).
Value ApplyFunction(const Node& call, absl::Span<const Value> args);

// CEL's error for a call with argument kinds it has no overload for.
Value NoSuchOverload(const Node& call);

}  // namespace protogate::expr
