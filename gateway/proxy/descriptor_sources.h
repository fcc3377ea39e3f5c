// LoadDescriptors: one DescriptorPool from every descriptor source of a
// snapshot — descriptor-set files, .proto files compiled at load time and
// the files fetched by gRPC server reflection — plus the services to serve.
//
// Combining rule: a file is identified by its name. Each name is taken from
// the first source that has it, in this order: descriptor sets (which must
// agree among themselves: the same name with different contents is an
// error), then the compiled .proto files, then the reflection sources in the
// order given. Later copies of a name are ignored, so a descriptor set built
// with source info shadows the same file compiled from .proto or reflected
// from a backend. The google.rpc status and error detail types are added
// when no source has them.
//
// Served services: every service of every file of the descriptor sets; the
// services of the requested .proto files (not of their imports); the
// services each reflection source listed.
//
// Thread safety: a stateless function.
// Ownership: the caller owns the returned pool; the services point into it.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/upstream/upstreams.h"
#include "google/protobuf/descriptor.h"

namespace protogate::proxy {

// What one reflection source served: its service names and every file they
// need (serialized FileDescriptorProtos by file name).
struct ReflectedDescriptors {
  std::string target;
  std::vector<std::string> services;
  std::map<std::string, std::string> files;
};

struct DescriptorSourceOptions {
  std::vector<std::string> descriptor_sets;
  std::vector<std::string> protos;       // Relative to proto_paths.
  std::vector<std::string> proto_paths;  // Empty: the current directory.
  std::vector<ReflectedDescriptors> reflected;
};

struct LoadedDescriptors {
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  // Every file read from disk (descriptor sets, .proto files and their
  // imports), for reload on change.
  std::vector<std::string> disk_files;
};

// Errors come from the sources (naming the file, FILE:LINE:COLUMN for
// .proto files, the target for reflection) or name the file the pool
// rejects; FailedPrecondition when no source defines a service.
absl::StatusOr<LoadedDescriptors> LoadDescriptors(
    const DescriptorSourceOptions& options);

// Adds to `backends` one backend per reflected service that no backend names
// (exactly or by a package prefix), with the target it was reflected from
// (the first source listing it).
void AddReflectionBackends(
    const std::vector<ReflectedDescriptors>& reflected,
    google::protobuf::RepeatedPtrField<config::v1::Backend>& backends);

}  // namespace protogate::proxy
