// CodecSet: the compiled JSON <-> wire codecs of every message type that a
// snapshot can transcode.
//
// A MessageCodec is built once per message type from its descriptor: field
// tables keyed by JSON name and by proto name, precomputed wire tags, and
// handlers for well-known types. The hot path never looks a field up by name
// in a DescriptorPool.
//
// Thread safety: the codecs Build() compiled are immutable and read without
// a lock; FindByName() compiles a type only an Any names on first use, under
// the set's own mutex. All const methods may be called concurrently.
// Ownership: the DescriptorPool passed to Build() must outlive the CodecSet;
// codecs returned by Find() live as long as the CodecSet.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::unique_ptr<CodecSet> codecs,
//                       CodecSet::Build(pool, {request_type, response_type}));
//   const MessageCodec* codec = codecs->Find(request_type);
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "google/protobuf/descriptor.h"

namespace protogate::transcoding {

class MessageCodec;  // Defined in message_codec.h; opaque to callers.

class CodecSet {
 public:
  // Compiles codecs for `roots` and for every message type reachable from
  // them (fields, map entries, and every message of their files and of the
  // files those import). Other types an Any may name are compiled by
  // FindByName(). Returns FailedPrecondition if a type cannot be compiled.
  static absl::StatusOr<std::unique_ptr<CodecSet>> Build(
      const google::protobuf::DescriptorPool& pool,
      absl::Span<const google::protobuf::Descriptor* const> roots);

  ~CodecSet();
  CodecSet(const CodecSet&) = delete;
  CodecSet& operator=(const CodecSet&) = delete;

  // The codec of `type`, or nullptr if it was not compiled.
  const MessageCodec* Find(const google::protobuf::Descriptor* type) const;
  // The codec of the message type with this full name (for google.protobuf.Any
  // type URLs and status details); nullptr when unknown. Types Build()
  // compiled are found without a lock; any other type is compiled here on
  // first use, under the set's mutex (and later found under it).
  const MessageCodec* FindByName(std::string_view full_name) const;

  const google::protobuf::DescriptorPool& pool() const { return *pool_; }

 private:
  struct Impl;
  CodecSet(const google::protobuf::DescriptorPool* pool,
           std::unique_ptr<Impl> impl);
  const google::protobuf::DescriptorPool* pool_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace protogate::transcoding
