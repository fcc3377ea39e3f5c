// Conversions (int(), uint(), double(), string(), bool(), bytes(),
// timestamp(), duration()), timestamp and duration arithmetic, and the
// timestamp accessors (getFullYear() ...) of the supported CEL subset.
// Internal to expr/.
//
// Ranges follow CEL: timestamps lie in years 0001..9999 (UTC), durations
// within +-315576000000 seconds; a result outside is an error value.
//
// Thread safety: stateless.
#pragma once

#include "absl/types/span.h"
#include "expr/ast.h"
#include "expr/value.h"

namespace protogate::expr {

// The conversion or accessor `call.fn` on `args` (receiver first).
Value Convert(const Node& call, absl::Span<const Value> args);

// `+` / `-` with a timestamp or duration operand (otherwise no overload).
Value TimeArithmetic(const Node& call, const Value& a, const Value& b);

}  // namespace protogate::expr
