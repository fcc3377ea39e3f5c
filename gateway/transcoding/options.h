// Parse and print options of the JSON <-> protobuf transcoder.
//
// Plain value types; defaults follow the proto3 JSON specification.
#pragma once

#include <cstddef>

namespace protogate::transcoding {

struct ParseOptions {
  // Unknown JSON object keys are skipped instead of being an error.
  bool ignore_unknown_fields = false;
  // Enum value names match regardless of ASCII case.
  bool case_insensitive_enums = false;
  // Maximum nesting of JSON objects and arrays; deeper input is an error.
  int max_depth = 64;
  // Maximum JSON input size in bytes; larger input is an error.
  size_t max_input_bytes = 4 << 20;
};

struct PrintOptions {
  // Fields at their default value are printed (proto3 implicit presence,
  // empty repeated fields and maps; not oneof members or messages).
  bool emit_unpopulated = false;
  // Enums print as numbers instead of names.
  bool enums_as_ints = false;
  // Keys are the proto field names instead of the JSON names.
  bool proto_field_names = false;
  // Spaces per indentation level; 0 prints compact JSON.
  int indent = 0;
};

}  // namespace protogate::transcoding
