#include "gateway/proxy/descriptor_sources.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/descriptors/descriptor_set_source.h"
#include "gateway/descriptors/proto_file_source.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace protogate::proxy {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::FileDescriptorSet;
using google::protobuf::ServiceDescriptor;

// Adds `file` and its imports to `set` unless a file of that name is in
// `present` already.
void AddBuiltinFile(const FileDescriptor& file,
                    absl::flat_hash_set<std::string>& present,
                    FileDescriptorSet& set) {
  if (!present.insert(file.name()).second) return;
  for (int i = 0; i < file.dependency_count(); ++i) {
    AddBuiltinFile(*file.dependency(i), present, set);
  }
  file.CopyTo(set.add_file());
}

// The files of `set` whose names are not in `present` (which gains them).
FileDescriptorSet NewFiles(const FileDescriptorSet& set,
                           absl::flat_hash_set<std::string>& present) {
  FileDescriptorSet out;
  for (const FileDescriptorProto& file : set.file()) {
    if (!present.contains(file.name())) *out.add_file() = file;
  }
  for (const FileDescriptorProto& file : out.file()) {
    present.insert(file.name());
  }
  return out;
}

absl::StatusOr<FileDescriptorSet> ParseReflected(
    const ReflectedDescriptors& reflected) {
  FileDescriptorSet set;
  for (const auto& [name, bytes] : reflected.files) {
    if (!set.add_file()->ParseFromString(bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reflection ", reflected.target, ": file \"", name,
                       "\" is not a FileDescriptorProto"));
    }
  }
  return set;
}

// The services of `served_files`, then the reflected ones, each once.
absl::Status AddServices(const DescriptorSourceOptions& options,
                         const std::vector<std::string>& served_files,
                         LoadedDescriptors& out) {
  absl::flat_hash_set<const ServiceDescriptor*> seen;
  auto add = [&](const ServiceDescriptor* service) {
    if (seen.insert(service).second) out.services.push_back(service);
  };
  for (const std::string& name : served_files) {
    const FileDescriptor* file = out.pool->FindFileByName(name);
    for (int i = 0; file != nullptr && i < file->service_count(); ++i) {
      add(file->service(i));
    }
  }
  for (const ReflectedDescriptors& reflected : options.reflected) {
    for (const std::string& name : reflected.services) {
      const ServiceDescriptor* service = out.pool->FindServiceByName(name);
      if (service == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("reflection ", reflected.target, ": service \"", name,
                         "\" is listed but no file served defines it"));
      }
      add(service);
    }
  }
  return absl::OkStatus();
}

// The files of every source, by precedence, and the files whose services
// are served.
struct Files {
  std::vector<FileDescriptorSet> sets;
  absl::flat_hash_set<std::string> present;
  std::vector<std::string> served;
};

absl::Status AddDescriptorSets(const DescriptorSourceOptions& options,
                               Files& files, LoadedDescriptors& out) {
  for (const std::string& path : options.descriptor_sets) {
    PG_ASSIGN_OR_RETURN(FileDescriptorSet set,
                        descriptors::ReadDescriptorSet(path));
    for (const FileDescriptorProto& file : set.file()) {
      if (files.present.insert(file.name()).second) {
        files.served.push_back(file.name());
      }
    }
    files.sets.push_back(std::move(set));
    out.disk_files.push_back(path);
  }
  return absl::OkStatus();
}

absl::Status AddProtos(const DescriptorSourceOptions& options, Files& files,
                       LoadedDescriptors& out) {
  if (options.protos.empty()) return absl::OkStatus();
  PG_ASSIGN_OR_RETURN(
      descriptors::CompiledProtos compiled,
      descriptors::CompileProtoFiles(options.protos, options.proto_paths));
  files.sets.push_back(NewFiles(compiled.files, files.present));
  files.served.insert(files.served.end(), compiled.roots.begin(),
                      compiled.roots.end());
  out.disk_files.insert(out.disk_files.end(), compiled.disk_files.begin(),
                        compiled.disk_files.end());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LoadedDescriptors> LoadDescriptors(
    const DescriptorSourceOptions& options) {
  LoadedDescriptors out;
  Files files;
  PG_RETURN_IF_ERROR(AddDescriptorSets(options, files, out));
  PG_RETURN_IF_ERROR(AddProtos(options, files, out));
  for (const ReflectedDescriptors& reflected : options.reflected) {
    PG_ASSIGN_OR_RETURN(FileDescriptorSet set, ParseReflected(reflected));
    files.sets.push_back(NewFiles(set, files.present));
  }
  FileDescriptorSet& builtin = files.sets.emplace_back();
  AddBuiltinFile(*google::rpc::Status::descriptor()->file(), files.present,
                 builtin);
  AddBuiltinFile(*google::rpc::BadRequest::descriptor()->file(), files.present,
                 builtin);
  PG_ASSIGN_OR_RETURN(out.pool, descriptors::BuildPool(files.sets));

  PG_RETURN_IF_ERROR(AddServices(options, files.served, out));
  if (out.services.empty()) {
    return absl::FailedPreconditionError(
        "the descriptor sources define no service to serve");
  }
  return out;
}

void AddReflectionBackends(
    const std::vector<ReflectedDescriptors>& reflected,
    google::protobuf::RepeatedPtrField<config::v1::Backend>& backends) {
  auto named = [&](const std::string& service) {
    for (const config::v1::Backend& backend : backends) {
      const std::string& name = backend.service();
      if (service == name ||
          (absl::StartsWith(service, name) && service[name.size()] == '.')) {
        return true;
      }
    }
    return false;
  };
  for (const ReflectedDescriptors& source : reflected) {
    for (const std::string& service : source.services) {
      if (!named(service)) {
        config::v1::Backend* backend = backends.Add();
        backend->set_service(service);
        backend->set_target(source.target);
      }
    }
  }
}

}  // namespace protogate::proxy
