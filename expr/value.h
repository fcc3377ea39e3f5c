// Value: one CEL runtime value. Scalars, timestamps and durations are held
// inline; strings and bytes are views, either into a protobuf message they
// were read from (no copy) or into a shared buffer the value owns; lists are
// views of a repeated field or shared vectors; messages are borrowed.
// Errors are values too (CEL's error propagation), holding an absl::Status.
//
// Thread safety: immutable; copies share owned buffers (reference counted).
// Ownership: a value read from a message borrows it: the message must
// outlive the value (a Program's activation guarantees this during Eval).
//
// Example:
//   Value v = Value::Int(41);
//   if (v.kind() == ValueKind::kInt) return Value::Int(v.int_value() + 1);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"

namespace protogate::expr {

enum class ValueKind : uint8_t {
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kList,
  kMap,
  kMessage,
  kTimestamp,
  kDuration,
  kType,
  kError,
};

class Value;
using ValueList = std::vector<Value>;
using MapEntries = std::vector<std::pair<Value, Value>>;

class Value {
 public:
  Value() = default;  // null.
  static Value Null() { return Value(); }
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint(uint64_t u);
  static Value Double(double d);
  static Value String(std::string s);
  static Value Bytes(std::string s);
  // A string or bytes borrowed from a buffer that outlives the value.
  static Value StringView(std::string_view s);
  static Value BytesView(std::string_view s);
  static Value List(ValueList elements);
  // A repeated (non-map) field of `msg`, read lazily.
  static Value RepeatedField(const google::protobuf::Message& msg,
                             const google::protobuf::FieldDescriptor& field);
  static Value Map(MapEntries entries);
  // A message; well-known types should go through FromMessage.
  static Value Message(const google::protobuf::Message& msg);
  static Value Timestamp(absl::Time t);
  static Value Duration(absl::Duration d);
  // A type value (`int`, `list`, ...); `name` must be a static string.
  static Value TypeName(std::string_view name);
  static Value Error(absl::Status status);

  // The CEL value of field `field` of `msg` (lists for repeated fields, maps
  // for map fields, unwrapped well-known types).
  static Value FromField(const google::protobuf::Message& msg,
                         const google::protobuf::FieldDescriptor& field);
  // A message as a CEL value: Timestamp, Duration and wrappers unwrap.
  static Value FromMessage(const google::protobuf::Message& msg);

  ValueKind kind() const { return kind_; }
  bool is_error() const { return kind_ == ValueKind::kError; }
  bool bool_value() const { return b_; }
  int64_t int_value() const { return i_; }
  uint64_t uint_value() const { return u_; }
  double double_value() const { return d_; }
  std::string_view string_value() const { return text_; }  // String, bytes.
  std::string_view type_name() const { return text_; }
  absl::Time time_value() const { return time_; }
  absl::Duration duration_value() const { return duration_; }
  const google::protobuf::Message& message() const { return *msg_; }
  const absl::Status& error() const { return error_; }

  // Lists.
  int ListSize() const;
  Value ListAt(int i) const;
  // Maps: the entries (a map field is converted when read).
  const MapEntries& map_entries() const;

  // "int", "string", ...: the CEL type name of the value.
  std::string_view KindName() const;
  // For test output: a CEL-like rendering.
  std::string DebugString() const;

 private:
  ValueKind kind_ = ValueKind::kNull;
  union {
    bool b_;
    int64_t i_ = 0;
    uint64_t u_;
    double d_;
  };
  std::string_view text_;
  absl::Time time_;
  absl::Duration duration_;
  const google::protobuf::Message* msg_ = nullptr;
  const google::protobuf::FieldDescriptor* field_ = nullptr;
  std::shared_ptr<const void> owned_;  // String, list or map storage.
  absl::Status error_;
};

// CEL equality (heterogeneous numbers compare by value; different kinds are
// unequal). Errors are handled by the caller.
bool ValuesEqual(const Value& a, const Value& b);

}  // namespace protogate::expr
