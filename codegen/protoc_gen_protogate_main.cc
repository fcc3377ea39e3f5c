// protoc-gen-protogate: writes typed TypeScript clients and an OpenAPI 3.1
// document from the google.api.http rules of the given protos. See
// plugin_options.h for --protogate_opt.
//
// Example:
//   protoc -I proto --protogate_out=gen --protogate_opt=target=ts
//     --plugin=protoc-gen-protogate=build/codegen/protoc-gen-protogate
//     demo/bookstore.proto
#include "codegen/protoc_plugin.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  protogate::codegen::ProtogateGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
