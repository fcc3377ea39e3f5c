#include "gateway/descriptors/proto_file_source.h"

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/api/annotations.pb.h"
#include "google/api/httpbody.pb.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor_database.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "protogate/aggregator/v1/plan.pb.h"

namespace protogate::descriptors {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::compiler::DiskSourceTree;

// Errors as protoc prints them: "file:line:column: message".
class Errors : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    Add(filename, line, column, message);
  }
  void AddWarning(const std::string&, int, int, const std::string&) override {}

  bool empty() const { return lines_.empty(); }
  // One per line, as --validate prints its problems.
  std::string Joined() const { return absl::StrJoin(lines_, "\n"); }

 private:
  void Add(const std::string& filename, int line, int column,
           const std::string& message) {
    if (lines_.size() >= 20) return;
    lines_.push_back(line < 0 ? absl::StrCat(filename, ": ", message)
                              : absl::StrCat(filename, ":", line + 1, ":",
                                             column + 1, ": ", message));
  }
  std::vector<std::string> lines_;
};

// The generated pool with the built-in protos linked in: referencing one
// type of each file keeps its registration in the binary.
const DescriptorPool& BuiltinPool() {
  const FileDescriptor* files[] = {
      google::api::HttpRule::descriptor()->file(),
      google::api::HttpBody::descriptor()->file(),
      google::rpc::Status::descriptor()->file(),
      google::rpc::BadRequest::descriptor()->file(),
      google::rpc::Code_descriptor()->file(),
      protogate::aggregator::v1::Plan::descriptor()->file(),
  };
  (void)files;
  // annotations.proto defines only an extension; keep it by its table.
  static const void* volatile annotations =
      &descriptor_table_google_2fapi_2fannotations_2eproto;
  (void)annotations;
  return *DescriptorPool::generated_pool();
}

// The virtual name of `file`: itself, or its name relative to an import
// path when it is a file on disk under one.
std::string VirtualName(DiskSourceTree& tree, const std::string& file) {
  std::string virtual_name, shadowing;
  if (tree.DiskFileToVirtualFile(file, &virtual_name, &shadowing) ==
      DiskSourceTree::SUCCESS) {
    return virtual_name;
  }
  return file;
}

// Appends `file` after its imports, each file once.
void AddInOrder(const FileDescriptor& file, DiskSourceTree& tree,
                absl::flat_hash_set<std::string>& seen, CompiledProtos& out) {
  if (!seen.insert(file.name()).second) return;
  for (int i = 0; i < file.dependency_count(); ++i) {
    AddInOrder(*file.dependency(i), tree, seen, out);
  }
  google::protobuf::FileDescriptorProto* proto = out.files.add_file();
  file.CopyTo(proto);
  file.CopySourceCodeInfoTo(proto);
  file.CopyJsonNameTo(proto);
  std::string disk_file;
  if (tree.VirtualFileToDiskFile(file.name(), &disk_file)) {
    out.disk_files.push_back(disk_file);
  }
}

}  // namespace

absl::StatusOr<CompiledProtos> CompileProtoFiles(
    const std::vector<std::string>& files,
    const std::vector<std::string>& import_paths) {
  DiskSourceTree tree;
  if (import_paths.empty()) tree.MapPath("", ".");
  for (const std::string& path : import_paths) tree.MapPath("", path);
  google::protobuf::DescriptorPoolDatabase builtin(BuiltinPool());
  google::protobuf::compiler::SourceTreeDescriptorDatabase database(&tree,
                                                                    &builtin);
  Errors errors;
  database.RecordErrorsTo(&errors);
  DescriptorPool pool(&database, database.GetValidationErrorCollector());
  pool.EnforceWeakDependencies(true);

  CompiledProtos out;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& file : files) {
    std::string name = VirtualName(tree, file);
    std::string disk_file;
    if (!tree.VirtualFileToDiskFile(name, &disk_file)) {
      return absl::NotFoundError(absl::StrCat(
          "proto file \"", file, "\": not found in the import paths (",
          import_paths.empty() ? "." : absl::StrJoin(import_paths, ", "), ")"));
    }
    const FileDescriptor* compiled = pool.FindFileByName(name);
    if (compiled == nullptr || !errors.empty()) {
      return absl::InvalidArgumentError(
          errors.empty()
              ? absl::StrCat("proto file \"", file, "\": failed to compile")
              : errors.Joined());
    }
    out.roots.push_back(name);
    AddInOrder(*compiled, tree, seen, out);
  }
  return out;
}

}  // namespace protogate::descriptors
