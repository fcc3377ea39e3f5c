// The runtime module shared by the generated TypeScript clients
// ("protogate_runtime.ts"): ProtogateError, client and call options, the
// fetch-based transport (unary JSON calls and NDJSON server streams), path
// segment encoding, query building and body field omission. It depends on
// nothing beyond the platform's fetch, TextDecoder and AbortSignal.
//
// Thread safety: constant data.
#pragma once

#include <string_view>

namespace protogate::codegen {

// The module path (no extension) of the runtime, relative to the output
// root.
inline constexpr std::string_view kTsRuntimeModule = "protogate_runtime";

// The runtime module's source text.
std::string_view TsRuntimeSource();

}  // namespace protogate::codegen
