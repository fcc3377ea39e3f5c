// MessageCodec: the compiled form of one message type, used by the JSON <->
// wire transcoders. Built by CodecSet::Build (see codec_set.h).
//
// Thread safety: immutable once built; safe to share between threads.
// Ownership: owned by the CodecSet; FieldCodec::message / ::enum_codec point
// to codecs owned by the same CodecSet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "google/protobuf/descriptor.h"

namespace protogate::transcoding {

class MessageCodec;

// Message types with a special JSON form.
enum class WktKind : uint8_t {
  kNone,
  kAny,
  kTimestamp,
  kDuration,
  kFieldMask,
  kStruct,
  kValue,
  kListValue,
  kWrapper,  // DoubleValue ... BytesValue: the bare value of field 1.
  kEmpty,
};

// Enum values by name and number.
struct EnumCodec {
  const google::protobuf::EnumDescriptor* descriptor = nullptr;
  bool is_null_value = false;  // google.protobuf.NullValue
  absl::flat_hash_map<std::string, int32_t> by_name;
  absl::flat_hash_map<int32_t, std::string> by_number;
  // Looks a name up; `case_insensitive` compares ASCII case-insensitively.
  const int32_t* FindByName(std::string_view name, bool case_insensitive) const;
};

// One field (or extension: both names are "[full.extension.name]").
struct FieldCodec {
  const google::protobuf::FieldDescriptor* descriptor = nullptr;
  std::string json_name;
  std::string proto_name;
  // The names as quoted JSON strings, written as object keys as they are.
  std::string json_key;
  std::string proto_key;
  uint32_t number = 0;
  google::protobuf::FieldDescriptor::Type type =
      google::protobuf::FieldDescriptor::TYPE_INT32;
  uint32_t tag = 0;         // Tag with the type's natural wire type.
  uint32_t packed_tag = 0;  // Tag with wire type LENGTH_DELIMITED.
  bool repeated = false;
  bool is_map = false;
  bool packable = false;       // Repeated scalar numeric type.
  bool encode_packed = false;  // Write packed (proto3 default or [packed]).
  bool has_presence = false;   // Explicit presence (message, oneof, optional).
  int oneof_index = -1;        // Real oneof in the message, or -1.
  int index = 0;               // Position in MessageCodec::fields().
  const MessageCodec* message = nullptr;  // Message/map-entry type.
  const EnumCodec* enum_codec = nullptr;  // Enum type.
};

class MessageCodec {
 public:
  const google::protobuf::Descriptor* descriptor() const { return descriptor_; }
  const std::string& full_name() const { return descriptor_->full_name(); }
  WktKind wkt() const { return wkt_; }
  bool is_map_entry() const { return map_entry_; }
  // Fields and known extensions, ordered by field number.
  const std::vector<FieldCodec>& fields() const { return fields_; }
  int oneof_count() const { return oneof_count_; }

  // Field by JSON name or proto name; nullptr when unknown.
  const FieldCodec* FindByJsonOrProtoName(std::string_view name) const;
  // Field by proto name only; nullptr when unknown.
  const FieldCodec* FindByProtoName(std::string_view name) const;
  // Field by number; nullptr when unknown. Inline: the wire hot path.
  const FieldCodec* FindByNumber(uint32_t number) const {
    if (number < by_number_dense_.size()) {
      const int i = by_number_dense_[number];
      return i == 0 ? nullptr : &fields_[i - 1];
    }
    return FindSparse(number);
  }
  // The codec of a field descriptor of this message; nullptr if unknown.
  const FieldCodec* Find(const google::protobuf::FieldDescriptor* field) const {
    return FindByNumber(static_cast<uint32_t>(field->number()));
  }

 private:
  friend class CodecBuilder;
  const FieldCodec* FindSparse(uint32_t number) const;
  const google::protobuf::Descriptor* descriptor_ = nullptr;
  WktKind wkt_ = WktKind::kNone;
  bool map_entry_ = false;
  int oneof_count_ = 0;
  std::vector<FieldCodec> fields_;
  absl::flat_hash_map<std::string, int> by_name_;        // JSON + proto names.
  absl::flat_hash_map<std::string, int> by_proto_name_;  // Proto names.
  std::vector<int> by_number_dense_;  // number -> index + 1 (0 = none).
  absl::flat_hash_map<uint32_t, int> by_number_sparse_;
};

}  // namespace protogate::transcoding
