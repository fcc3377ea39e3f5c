#include "codegen/typescript_generator.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "codegen/http_bindings.h"
#include "codegen/ts_client.h"
#include "codegen/ts_declarations.h"
#include "codegen/ts_runtime.h"
#include "codegen/well_known.h"
#include "gateway/base/strings.h"
#include "google/protobuf/descriptor.pb.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

// The messages and enums to declare: those of the requested files, the
// methods' inputs and outputs, and everything their fields reach.
class Reachable {
 public:
  void AddFile(const FileDescriptor& file) {
    for (int i = 0; i < file.message_type_count(); ++i) {
      AddMessageTree(*file.message_type(i));
    }
    for (int i = 0; i < file.enum_type_count(); ++i)
      AddEnum(*file.enum_type(i));
    for (int i = 0; i < file.service_count(); ++i) {
      for (int j = 0; j < file.service(i)->method_count(); ++j) {
        AddMessage(*file.service(i)->method(j)->input_type());
        AddMessage(*file.service(i)->method(j)->output_type());
      }
    }
  }

  bool Contains(const void* descriptor) const {
    return seen_.contains(descriptor);
  }
  const std::set<const FileDescriptor*>& files() const { return files_; }

 private:
  void AddMessageTree(const Descriptor& message) {
    AddMessage(message);
    for (int i = 0; i < message.nested_type_count(); ++i) {
      if (!message.nested_type(i)->options().map_entry()) {
        AddMessageTree(*message.nested_type(i));
      }
    }
    for (int i = 0; i < message.enum_type_count(); ++i) {
      AddEnum(*message.enum_type(i));
    }
  }

  void AddEnum(const EnumDescriptor& type) {
    if (IsNullValue(type) || !seen_.insert(&type).second) return;
    files_.insert(type.file());
  }

  void AddMessage(const Descriptor& message) {
    if (WellKnownOf(message) != WellKnown::kNone) return;
    if (message.options().map_entry()) {
      AddField(*message.map_value());
      return;
    }
    if (!seen_.insert(&message).second) return;
    files_.insert(message.file());
    for (int i = 0; i < message.field_count(); ++i) AddField(*message.field(i));
  }

  void AddField(const FieldDescriptor& field) {
    if (field.message_type() != nullptr) AddMessage(*field.message_type());
    if (field.enum_type() != nullptr) AddEnum(*field.enum_type());
  }

  absl::flat_hash_set<const void*> seen_;
  std::set<const FileDescriptor*> files_;
};

void AppendDeclarations(const Descriptor& message, const Reachable& reachable,
                        TsImports& imports, std::string* out) {
  if (message.options().map_entry()) return;
  if (reachable.Contains(&message)) {
    absl::StrAppend(out, "\n", TsInterfaceDeclaration(message, imports));
  }
  for (int i = 0; i < message.enum_type_count(); ++i) {
    if (reachable.Contains(message.enum_type(i))) {
      absl::StrAppend(out, "\n", TsEnumDeclaration(*message.enum_type(i)));
    }
  }
  for (int i = 0; i < message.nested_type_count(); ++i) {
    AppendDeclarations(*message.nested_type(i), reachable, imports, out);
  }
}

absl::Status AppendFile(const FileDescriptor& file,
                        const std::set<const FileDescriptor*>& requested,
                        const Reachable& reachable,
                        const std::vector<Binding>& bindings,
                        TsImports& imports, std::string* out) {
  for (int i = 0; i < file.enum_type_count(); ++i) {
    if (reachable.Contains(file.enum_type(i))) {
      absl::StrAppend(out, "\n", TsEnumDeclaration(*file.enum_type(i)));
    }
  }
  for (int i = 0; i < file.message_type_count(); ++i) {
    AppendDeclarations(*file.message_type(i), reachable, imports, out);
  }
  if (!requested.contains(&file)) return absl::OkStatus();
  for (int i = 0; i < file.service_count(); ++i) {
    absl::StatusOr<std::string> client =
        TsClientClass(*file.service(i), bindings, imports);
    if (!client.ok()) return client.status();
    absl::StrAppend(out, "\n", *client);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<GeneratedFile>> GenerateTypeScript(
    const routing::RouteTable& table,
    absl::Span<const FileDescriptor* const> files,
    const TypeScriptOptions& options) {
  Reachable reachable;
  for (const FileDescriptor* file : files) reachable.AddFile(*file);
  std::set<const FileDescriptor*> requested(files.begin(), files.end());
  std::set<const FileDescriptor*> all = reachable.files();
  all.insert(files.begin(), files.end());
  // Module path → its files by name.
  std::map<std::string, std::map<std::string, const FileDescriptor*>> modules;
  for (const FileDescriptor* file : all) {
    modules[TsModulePath(*file, options.layout)][file->name()] = file;
  }
  const std::vector<Binding> bindings = DescribedBindings(table);
  std::vector<GeneratedFile> out;
  for (const auto& [path, module_files] : modules) {
    TsImports imports(path, options.layout);
    std::string body;
    std::string sources;
    for (const auto& [name, file] : module_files) {
      absl::StrAppend(&sources, "// Source: ", name, "\n");
      absl::Status s =
          AppendFile(*file, requested, reachable, bindings, imports, &body);
      if (!s.ok()) return s;
    }
    const std::string statements =
        imports.Statements(kTsRuntimeModule, options.import_style);
    out.push_back({absl::StrCat(path, ".ts"),
                   absl::StrCat("// Generated by protoc-gen-protogate. DO NOT "
                                "EDIT.\n",
                                sources, statements.empty() ? "" : "\n",
                                statements, body)});
  }
  out.push_back({absl::StrCat(base::ToAbsl(kTsRuntimeModule), ".ts"),
                 std::string(TsRuntimeSource())});
  std::sort(out.begin(), out.end(),
            [](const GeneratedFile& a, const GeneratedFile& b) {
              return a.name < b.name;
            });
  return out;
}

}  // namespace protogate::codegen
