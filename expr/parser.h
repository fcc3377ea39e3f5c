// Parser: CEL source text to an unchecked syntax tree (ast.h), following the
// CEL language definition's grammar for the supported subset: literals
// (int, uint, double, string and bytes with every quoting and escape form,
// bool, null), identifiers, `.` selection, indexing, calls and method
// calls, list and map literals, unary `!` and `-`, `* / %`, `+ -`,
// relations (`< <= > >= == != in`), `&&`, `||`, `?:`, and the macros
// has(), all(), exists(), exists_one(), map() and filter(), expanded while
// parsing. Message construction (`pkg.Msg{...}`) is not supported.
//
// Thread safety: stateless function.
//
// Example:
//   absl::StatusOr<std::unique_ptr<Node>> ast = Parse("size(request.ids) > 0");
#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "expr/ast.h"

namespace protogate::expr {

// InvalidArgument `<offset>: <what>` on a syntax error. Nesting deeper than
// 250 levels and texts over 100000 bytes are rejected.
absl::StatusOr<std::unique_ptr<Node>> Parse(std::string_view text);

}  // namespace protogate::expr
