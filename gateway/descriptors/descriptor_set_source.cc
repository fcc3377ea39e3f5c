#include "gateway/descriptors/descriptor_set_source.h"

#include <fstream>
#include <sstream>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/base/status_macros.h"

namespace protogate::descriptors {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptorProto;
using google::protobuf::FileDescriptorSet;

// Collects the pool's build errors instead of logging them.
class ErrorCollector : public DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message* descriptor,
                ErrorLocation location, const std::string& message) override {
    if (!first_.empty()) return;
    first_ =
        absl::StrCat(filename, ": ", element_name.empty() ? "" : element_name,
                     element_name.empty() ? "" : ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

// Orders files so that every file comes after its imports. Returns
// InvalidArgument naming a file whose import is missing from every set.
absl::Status AddInDependencyOrder(
    const absl::flat_hash_map<std::string, const FileDescriptorProto*>& files,
    const std::string& name, absl::flat_hash_map<std::string, int>& state,
    std::vector<const FileDescriptorProto*>& out) {
  int& s = state[name];
  if (s == 2) return absl::OkStatus();
  if (s == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("descriptor sets: import cycle through \"", name, "\""));
  }
  s = 1;
  const FileDescriptorProto& file = *files.at(name);
  for (const std::string& dep : file.dependency()) {
    if (!files.contains(dep)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "descriptor sets: \"", name, "\" imports \"", dep,
          "\", which no descriptor set contains (make the set with "
          "protoc --include_imports)"));
    }
    PG_RETURN_IF_ERROR(AddInDependencyOrder(files, dep, state, out));
  }
  state[name] = 2;
  out.push_back(&file);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FileDescriptorSet> ReadDescriptorSet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("descriptor set \"", path, "\": cannot open file"));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  FileDescriptorSet set;
  if (!set.ParseFromString(bytes.str()) || set.file_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "descriptor set \"", path,
        "\": not a FileDescriptorSet (make it with protoc --include_imports "
        "--descriptor_set_out=FILE)"));
  }
  return set;
}

absl::StatusOr<std::unique_ptr<DescriptorPool>> BuildPool(
    absl::Span<const FileDescriptorSet> sets) {
  absl::flat_hash_map<std::string, const FileDescriptorProto*> files;
  std::vector<std::string> order;
  for (const FileDescriptorSet& set : sets) {
    for (const FileDescriptorProto& file : set.file()) {
      auto [it, inserted] = files.emplace(file.name(), &file);
      if (inserted) {
        order.push_back(file.name());
      } else if (it->second->SerializeAsString() != file.SerializeAsString()) {
        return absl::InvalidArgumentError(
            absl::StrCat("descriptor sets: \"", file.name(),
                         "\" appears twice with different contents"));
      }
    }
  }
  std::vector<const FileDescriptorProto*> sorted;
  absl::flat_hash_map<std::string, int> state;
  for (const std::string& name : order) {
    PG_RETURN_IF_ERROR(AddInDependencyOrder(files, name, state, sorted));
  }
  auto pool = std::make_unique<DescriptorPool>();
  for (const FileDescriptorProto* file : sorted) {
    ErrorCollector errors;
    if (pool->BuildFileCollectingErrors(*file, &errors) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("descriptor sets: invalid file ", errors.first()));
    }
  }
  return pool;
}

absl::StatusOr<std::unique_ptr<DescriptorPool>> LoadDescriptorSets(
    const std::vector<std::string>& paths) {
  std::vector<FileDescriptorSet> sets;
  sets.reserve(paths.size());
  for (const std::string& path : paths) {
    PG_ASSIGN_OR_RETURN(FileDescriptorSet set, ReadDescriptorSet(path));
    sets.push_back(std::move(set));
  }
  return BuildPool(sets);
}

}  // namespace protogate::descriptors
