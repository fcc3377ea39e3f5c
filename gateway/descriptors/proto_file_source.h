// Compiles .proto files at start-up (like protoc) into a FileDescriptorSet
// that feeds the same pool as descriptor sets.
//
// Names are resolved like protoc resolves them: a file is named relative to
// one of the import paths (`-I`); a name that is a file on disk under an
// import path is mapped to its relative name. Imports that no import path
// holds resolve from the protos built into the binary:
// google/protobuf/*.proto (the well-known types and descriptor.proto),
// google/api/{annotations,http,httpbody}.proto,
// google/rpc/{status,code,error_details}.proto and
// protogate/aggregator/v1/plan.proto. A file under an import path takes
// precedence over the built-in one of the same name.
//
// Thread safety: a stateless function.
//
// Example:
//   PG_ASSIGN_OR_RETURN(CompiledProtos compiled,
//                       CompileProtoFiles({"shop/v1/shop.proto"}, {"protos"}));
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.pb.h"

namespace protogate::descriptors {

struct CompiledProtos {
  // The requested files and every file they import, imports first, with
  // source info (comments) and json names, as protoc --include_imports
  // --include_source_info writes them.
  google::protobuf::FileDescriptorSet files;
  // The names (relative to the import paths) of the requested files, in
  // the order given: the files whose services are served.
  std::vector<std::string> roots;
  // The files read from disk (requested files and imports), for watching.
  std::vector<std::string> disk_files;
};

// Compiles `files` with `import_paths` (an empty list means the current
// directory, as with protoc). Returns InvalidArgument with every error as
// "FILE:LINE:COLUMN: message" (LINE and COLUMN 1-based, as
// protoc prints them) for syntax errors, unknown types and missing imports,
// and NotFound naming a requested file that no import path holds. Several
// errors are joined with "; " (one line).
absl::StatusOr<CompiledProtos> CompileProtoFiles(
    const std::vector<std::string>& files,
    const std::vector<std::string>& import_paths);

}  // namespace protogate::descriptors
