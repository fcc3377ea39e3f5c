// PluginOptions: protoc-gen-protogate's parameter
// (`--protogate_opt=k=v,k=v` or `--protogate_out=k=v,...:DIR`).
//
//   target=ts|openapi    what to write; repeatable; both when absent
//   layout=file|package  one TypeScript module per proto file (default) or
//                        per package
//   import_style=js|none TypeScript import specifiers end in ".js"
//                        (default; ESM/NodeNext) or have no suffix
//   openapi_out=NAME     the OpenAPI file (default "openapi.json")
//   openapi_title=TEXT, openapi_version=TEXT   the document's info
//
// Thread safety: stateless function; the struct is a value.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "codegen/openapi_generator.h"
#include "codegen/typescript_generator.h"

namespace protogate::codegen {

struct PluginOptions {
  enum class Targets { kBoth, kTypeScript, kOpenApi };
  Targets targets = Targets::kBoth;
  TypeScriptOptions typescript;
  OpenApiOptions openapi;
  std::string openapi_file = "openapi.json";
};

// Parses `parameter`; InvalidArgument naming the bad key or value.
absl::StatusOr<PluginOptions> ParsePluginOptions(std::string_view parameter);

}  // namespace protogate::codegen
