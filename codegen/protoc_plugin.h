// ProtogateGenerator: the protoc CodeGenerator of protoc-gen-protogate.
//
// For the files protoc asks for (all at once), builds the RouteTable of
// their services with routing::RouteTable::Build (the gateway's own rules)
// and writes, per PluginOptions (plugin_options.h), the TypeScript modules
// of GenerateTypeScript and the OpenAPI document of GenerateOpenApi.
// Errors (bad options, invalid http rules) are reported through protoc.
//
// Thread safety: stateless; protoc calls it once.
#pragma once

#include <string>
#include <vector>

#include "google/protobuf/compiler/code_generator.h"

namespace protogate::codegen {

class ProtogateGenerator : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file,
                const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  bool GenerateAll(
      const std::vector<const google::protobuf::FileDescriptor*>& files,
      const std::string& parameter,
      google::protobuf::compiler::GeneratorContext* context,
      std::string* error) const override;

  uint64_t GetSupportedFeatures() const override {
    return FEATURE_PROTO3_OPTIONAL;
  }
};

}  // namespace protogate::codegen
