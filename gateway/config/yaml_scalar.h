// YamlScalar: resolves a YAML scalar to JSON text by the YAML 1.2 core
// schema.
//
// Plain scalars (tag "?"):
//   ~, null, Null, NULL, empty           -> null
//   true/True/TRUE, false/False/FALSE    -> true, false
//   [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+ -> a decimal JSON number
//   [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)? -> a JSON number
//   [-+]?.inf (any case form), .nan       -> "Infinity", "-Infinity", "NaN"
//   anything else                        -> a JSON string
// Quoted scalars (tag "!") and "!!str" are strings; "!!int", "!!float",
// "!!bool" and "!!null" force the type (an error if the text is not one).
// Numbers are normalized to JSON syntax ("+1" -> 1, "007" -> 7, ".5" -> 0.5,
// "1." -> 1) but keep their digits, so precision is the consumer's.
//
// Thread safety: stateless functions.
//
// Example:
//   absl::StatusOr<std::string> json = ScalarToJson("?", "0x1F");  // "31"
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace protogate::config {

// The JSON text of the scalar `value` with yaml-cpp tag `tag`. Returns
// InvalidArgument for an unsupported tag (`unsupported tag "!x"`), a value
// that does not match its explicit tag, and hex/octal integers beyond 64
// bits.
absl::StatusOr<std::string> ScalarToJson(std::string_view tag,
                                         std::string_view value);

// Appends `value` as a JSON string literal (quotes and escapes added).
void AppendJsonString(std::string_view value, std::string* out);

}  // namespace protogate::config
