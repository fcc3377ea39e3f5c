// Field-level reads and writes on protobuf messages through reflection, used
// by the executor to build requests and merge responses. Types were checked
// when the plan was compiled; these functions convert along the allowed
// widenings and never fail.
//
// Thread safety: stateless; callers synchronise access to the messages.
// Ownership: a Value borrows the message (or string) it points into.
//
// Example:
//   Value v = Resolve(request, binding.from.path);
//   Write(v, call_request.get(), binding.to, WriteMode::kSet);
#pragma once

#include <string>
#include <vector>

#include "aggregator/compiled_plan.h"
#include "google/protobuf/message.h"

namespace protogate::aggregator {

// One readable value: a whole message (field == nullptr), a whole field
// (index == -1; a list if the field is repeated), one element of a repeated
// field (index >= 0), or a header string (text != nullptr).
struct Value {
  const google::protobuf::Message* msg = nullptr;
  const google::protobuf::FieldDescriptor* field = nullptr;
  int index = -1;
  const std::string* text = nullptr;
};

enum class WriteMode { kSet, kMerge, kAppend, kSetIfAbsent };

// Follows `path` from `root`. Unset intermediate messages read as defaults.
Value Resolve(const google::protobuf::Message& root, const FieldPath& path);

// Follows `path` from one value (a message, or a message element).
Value ResolveFrom(const Value& base, const FieldPath& path);

// The i-th element of a repeated-field value.
Value Element(const Value& list, int i);
int ListSize(const Value& list);

// Writes `v` into `root` at `path` (created on the way). kSet replaces
// (clearing a repeated target first), kAppend adds the element(s), kMerge
// merges a message (an empty path means `root` itself), kSetIfAbsent writes
// only when the target is absent / empty.
void Write(const Value& v, google::protobuf::Message* root,
           const FieldPath& path, WriteMode mode);

// True when AppendWire() can write field `fd`: singular, an integer, bool,
// string or bytes, or an enum of a proto3 file.
bool WireWritable(const google::protobuf::FieldDescriptor& fd);

// Appends one value `v` as field `fd` (WireWritable) in wire form, converted
// as Write() converts: the bytes serializing a message that Write() set
// gives (nothing when `fd` has no presence and the value is its default).
void AppendWire(const Value& v, const google::protobuf::FieldDescriptor& fd,
                std::string* out);

// The key of a scalar value as a string ("42", "true", "abc").
std::string KeyOf(const Value& v);
// The key at `paths` from `base`: KeyOf() of the one value, or, for a
// composite key, the values' keys each prefixed with its length.
std::string KeyOf(const Value& base, const std::vector<FieldPath>& paths);

// True when the value is set: true bool, non-zero number, non-empty
// string/list, present message.
bool Truthy(const Value& v);

}  // namespace protogate::aggregator
