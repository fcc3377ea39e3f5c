// Loads FileDescriptorSets (`protoc --include_imports --descriptor_set_out`)
// into one DescriptorPool.
//
// Thread safety: a stateless function; the returned pool is immutable and
// safe to read concurrently.
// Ownership: the caller owns the returned pool.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::DescriptorPool> pool,
//                       LoadDescriptorSets({"api.binpb"}));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace protogate::descriptors {

// Reads and parses each file as a FileDescriptorSet. Returns NotFound for an
// unreadable file and InvalidArgument for bytes that are not a descriptor set
// (both naming the file).
absl::StatusOr<google::protobuf::FileDescriptorSet> ReadDescriptorSet(
    const std::string& path);

// Builds a pool from the union of the sets' files (a file present in several
// sets must be identical in each). Returns InvalidArgument naming the file
// for conflicting duplicates, missing imports (a set made without
// --include_imports) and descriptors the pool rejects.
absl::StatusOr<std::unique_ptr<google::protobuf::DescriptorPool>> BuildPool(
    absl::Span<const google::protobuf::FileDescriptorSet> sets);

// ReadDescriptorSet for each path, then BuildPool.
absl::StatusOr<std::unique_ptr<google::protobuf::DescriptorPool>>
LoadDescriptorSets(const std::vector<std::string>& paths);

}  // namespace protogate::descriptors
