// Type: the static type of a CEL expression, as the checker infers it from
// literals, declared variables and protobuf descriptors.
//
// Thread safety: immutable values; copies share their element types.
// Ownership: `message` points into a DescriptorPool that must outlive it.
//
// Example:
//   Type list = Type::List(Type::Int());
//   list.DebugString();  // "list(int)"
#pragma once

#include <memory>
#include <string>

#include "google/protobuf/descriptor.h"

namespace protogate::expr {

enum class TypeKind {
  kDyn,
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
};

class Type {
 public:
  Type() = default;  // dyn.
  static Type Dyn() { return Type(TypeKind::kDyn); }
  static Type Null() { return Type(TypeKind::kNull); }
  static Type Bool() { return Type(TypeKind::kBool); }
  static Type Int() { return Type(TypeKind::kInt); }
  static Type Uint() { return Type(TypeKind::kUint); }
  static Type Double() { return Type(TypeKind::kDouble); }
  static Type String() { return Type(TypeKind::kString); }
  static Type Bytes() { return Type(TypeKind::kBytes); }
  static Type Timestamp() { return Type(TypeKind::kTimestamp); }
  static Type Duration() { return Type(TypeKind::kDuration); }
  static Type TypeType() { return Type(TypeKind::kType); }
  static Type List(const Type& element);
  static Type Map(const Type& key, const Type& value);
  static Type Message(const google::protobuf::Descriptor& message);

  // The CEL type of a protobuf field (repeated: list, map field: map).
  // Well-known Timestamp/Duration become timestamp/duration; wrappers their
  // primitive.
  static Type OfField(const google::protobuf::FieldDescriptor& field);
  // The CEL type of one value of the field (an element if repeated).
  static Type OfFieldElement(const google::protobuf::FieldDescriptor& field);

  TypeKind kind() const { return kind_; }
  bool is_dyn() const { return kind_ == TypeKind::kDyn; }
  bool is_numeric() const {
    return kind_ == TypeKind::kInt || kind_ == TypeKind::kUint ||
           kind_ == TypeKind::kDouble;
  }
  // list: the element; map: the value. REQUIRES: list or map.
  const Type& element() const { return *element_; }
  // map: the key. REQUIRES: map.
  const Type& key() const { return *key_; }
  // REQUIRES: kMessage.
  const google::protobuf::Descriptor& message() const { return *message_; }

  // Same type (dyn equals only dyn).
  bool operator==(const Type& other) const;
  // True when a value of `other` may stand where this type is expected
  // (dyn on either side matches; containers compare elements).
  bool Accepts(const Type& other) const;

  // "int", "list(string)", "map(string, dyn)", "pkg.Msg", ...
  std::string DebugString() const;

 private:
  explicit Type(TypeKind kind) : kind_(kind) {}

  TypeKind kind_ = TypeKind::kDyn;
  std::shared_ptr<const Type> element_;
  std::shared_ptr<const Type> key_;
  const google::protobuf::Descriptor* message_ = nullptr;
};

}  // namespace protogate::expr
