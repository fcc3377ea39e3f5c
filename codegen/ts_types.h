// TypeScript naming and the proto3 JSON → TypeScript type mapping.
//
// Modules: per file, "demo/bookstore.proto" → "demo/bookstore"; per
// package, "demo.bookstore.v1" → "demo/bookstore/v1" (no package: "index").
// Type names: the name inside the package with '.' → '_'
// ("Outer.Inner" → "Outer_Inner"); names the generated code takes from the
// global scope (Record, Array, Promise, AsyncIterable) and predefined type
// names (string, never, ...) get a trailing '_' ("Record_"). Types of other
// modules are referenced through a namespace import `$<module path>`
// ("$demo_other_v1.Book"), the runtime through `$pg` ("$pg.JsonValue"): '$'
// cannot start a proto name, so these never collide with generated names.
//
// Field types follow the proto3 JSON mapping: 64-bit integers, bytes,
// Timestamp, Duration and FieldMask are `string`; enums string-literal
// unions; wrappers nullable primitives; Struct `{ [key: string]: unknown }`,
// Value `JsonValue`, ListValue `JsonValue[]`, Any
// `{ "@type": string; [key: string]: unknown }`, Empty
// `Record<string, never>`; maps `Record<string, V>`.
//
// Thread safety: TsImports is not thread-safe; functions are stateless.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "google/protobuf/descriptor.h"

namespace protogate::codegen {

enum class TsLayout { kPerFile, kPerPackage };
enum class TsImportStyle { kJsSuffix, kNoSuffix };

// The module path (no extension) holding the types of `file`.
std::string TsModulePath(const google::protobuf::FileDescriptor& file,
                         TsLayout layout);

// The module-local name of a message or enum.
std::string TsLocalName(const google::protobuf::Descriptor& message);
std::string TsLocalName(const google::protobuf::EnumDescriptor& enum_type);

// "GetBook" → "getBook", "get_book" → "getBook".
std::string LowerCamel(std::string_view name);

// The import specifier of module `to` from module `from`, e.g. "./v1.js",
// "../protogate_runtime".
std::string TsImportPath(std::string_view from, std::string_view to,
                         TsImportStyle style);

// `key` as a property name: bare when an identifier, else a quoted string.
std::string TsPropertyKey(std::string_view key);

// A string literal of `text` in double quotes.
std::string TsString(std::string_view text);

// The imports of one module being written: records every type of another
// module it references, and whether it uses the runtime's JsonValue.
class TsImports {
 public:
  TsImports(std::string module, TsLayout layout)
      : module_(std::move(module)), layout_(layout) {}

  // The reference to `message`/`enum_type` from this module.
  std::string Ref(const google::protobuf::Descriptor& message);
  std::string Ref(const google::protobuf::EnumDescriptor& enum_type);
  // Records a use of the runtime and returns the reference to its export
  // `name`, e.g. "$pg.JsonValue".
  std::string Runtime(std::string_view name);

  // The import statements, sorted; `runtime_module` is the runtime's path.
  std::string Statements(std::string_view runtime_module,
                         TsImportStyle style) const;

 private:
  std::string Qualify(const google::protobuf::FileDescriptor& file,
                      std::string local);
  std::string module_;
  TsLayout layout_;
  std::map<std::string, std::string> modules_;  // path → alias
  bool runtime_used_ = false;
};

// The TypeScript type of `field`'s JSON value (arrays and maps included).
std::string TsFieldType(const google::protobuf::FieldDescriptor& field,
                        TsImports& imports);

// The TypeScript type of a message's JSON form: its interface, or the
// well-known mapping.
std::string TsMessageType(const google::protobuf::Descriptor& message,
                          TsImports& imports);

// The JSON default of `field` as a TypeScript expression, used when a path
// variable's value is absent: "0", "\"0\"" for 64-bit integers, "false",
// "\"\"", the enum's first value name.
std::string TsDefaultValue(const google::protobuf::FieldDescriptor& field);

}  // namespace protogate::codegen
