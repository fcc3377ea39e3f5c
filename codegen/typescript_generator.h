// GenerateTypeScript: typed TypeScript clients for the HTTP bindings of a
// RouteTable.
//
// Output modules (file names relative to the output root):
//  - one module per proto file or per package (TypeScriptOptions::layout)
//    of `files` and of every file holding a type they reach, with the
//    interfaces and unions of the reachable messages and enums in
//    declaration order (ts_declarations.h) and, for services of `files`, a
//    client class each (ts_client.h);
//  - "protogate_runtime.ts" (ts_runtime.h), imported by the others.
// Types of other modules are imported with `import type * as $<path>`, the
// runtime with `import * as $pg` (see ts_types.h).
// Import specifiers end in ".js" (for ESM/NodeNext) or have no suffix
// (bundlers), per TypeScriptOptions::import_style.
//
// Deterministic: the same inputs give byte-identical output.
// Thread safety: stateless. Ownership: borrows `table` and `files`.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::vector<GeneratedFile> out,
//                       GenerateTypeScript(*table, {file}, {}));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "codegen/ts_types.h"
#include "gateway/routing/route_table.h"
#include "google/protobuf/descriptor.h"

namespace protogate::codegen {

struct TypeScriptOptions {
  TsLayout layout = TsLayout::kPerFile;
  TsImportStyle import_style = TsImportStyle::kJsSuffix;
};

struct GeneratedFile {
  std::string name;  // Relative path, e.g. "demo/bookstore.ts".
  std::string content;
};

// Returns the modules described above, sorted by name. The clients cover
// the services of `files` whose routes are in `table`. FailedPrecondition
// when two bindings of a service get the same client method name.
absl::StatusOr<std::vector<GeneratedFile>> GenerateTypeScript(
    const routing::RouteTable& table,
    absl::Span<const google::protobuf::FileDescriptor* const> files,
    const TypeScriptOptions& options);

}  // namespace protogate::codegen
