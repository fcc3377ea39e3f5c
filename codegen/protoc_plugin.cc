#include "codegen/protoc_plugin.h"

#include <memory>

#include "absl/status/status.h"
#include "codegen/openapi_generator.h"
#include "codegen/plugin_options.h"
#include "codegen/typescript_generator.h"
#include "gateway/routing/route_table.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace protogate::codegen {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::ServiceDescriptor;
using google::protobuf::compiler::GeneratorContext;

void Write(GeneratorContext& context, const std::string& name,
           const std::string& content) {
  std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> stream(
      context.Open(name));
  google::protobuf::io::CodedOutputStream out(stream.get());
  out.WriteString(content);
}

absl::Status Run(const std::vector<const FileDescriptor*>& files,
                 const std::string& parameter, GeneratorContext& context) {
  absl::StatusOr<PluginOptions> options = ParsePluginOptions(parameter);
  if (!options.ok()) return options.status();
  std::vector<const ServiceDescriptor*> services;
  for (const FileDescriptor* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  auto table = routing::RouteTable::Build(services);
  if (!table.ok()) return table.status();
  using Targets = PluginOptions::Targets;
  if (options->targets != Targets::kOpenApi) {
    auto modules = GenerateTypeScript(**table, files, options->typescript);
    if (!modules.ok()) return modules.status();
    for (const GeneratedFile& module : *modules) {
      Write(context, module.name, module.content);
    }
  }
  if (options->targets != Targets::kTypeScript) {
    absl::StatusOr<std::string> document =
        GenerateOpenApi(**table, options->openapi);
    if (!document.ok()) return document.status();
    Write(context, options->openapi_file, *document);
  }
  return absl::OkStatus();
}

}  // namespace

bool ProtogateGenerator::Generate(const FileDescriptor* file,
                                  const std::string& parameter,
                                  GeneratorContext* context,
                                  std::string* error) const {
  return GenerateAll({file}, parameter, context, error);
}

bool ProtogateGenerator::GenerateAll(
    const std::vector<const FileDescriptor*>& files,
    const std::string& parameter, GeneratorContext* context,
    std::string* error) const {
  absl::Status status = Run(files, parameter, *context);
  if (!status.ok()) {
    *error = std::string(status.message());
    return false;
  }
  return true;
}

}  // namespace protogate::codegen
