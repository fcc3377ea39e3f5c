// TypeScript declarations of proto messages and enums (proto3 JSON form).
//
// A message becomes an interface whose keys are the fields' json_names, each
// optional (proto3 JSON omits default values; oneof members are optional
// anyway) and typed per ts_types.h; a message without fields becomes
// `Record<string, never>`. An enum becomes a union of its value names.
// Proto comments become JSDoc.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "codegen/ts_types.h"
#include "google/protobuf/descriptor.h"

namespace protogate::codegen {

// A JSDoc block of `text` indented by `indent`; empty when `text` is.
std::string TsDocComment(std::string_view text, std::string_view indent);

std::string TsEnumDeclaration(const google::protobuf::EnumDescriptor& type);

std::string TsInterfaceDeclaration(const google::protobuf::Descriptor& message,
                                   TsImports& imports);

}  // namespace protogate::codegen
