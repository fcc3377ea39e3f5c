#include "expr/type.h"

#include "absl/strings/str_cat.h"

namespace protogate::expr {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

Type Type::List(const Type& element) {
  Type t(TypeKind::kList);
  t.element_ = std::make_shared<const Type>(element);
  return t;
}

Type Type::Map(const Type& key, const Type& value) {
  Type t(TypeKind::kMap);
  t.key_ = std::make_shared<const Type>(key);
  t.element_ = std::make_shared<const Type>(value);
  return t;
}

Type Type::Message(const Descriptor& message) {
  const std::string& name = message.full_name();
  if (name == "google.protobuf.Timestamp") return Timestamp();
  if (name == "google.protobuf.Duration") return Duration();
  if (name == "google.protobuf.Int64Value" ||
      name == "google.protobuf.Int32Value") {
    return Int();
  }
  if (name == "google.protobuf.UInt64Value" ||
      name == "google.protobuf.UInt32Value") {
    return Uint();
  }
  if (name == "google.protobuf.DoubleValue" ||
      name == "google.protobuf.FloatValue") {
    return Double();
  }
  if (name == "google.protobuf.StringValue") return String();
  if (name == "google.protobuf.BytesValue") return Bytes();
  if (name == "google.protobuf.BoolValue") return Bool();
  Type t(TypeKind::kMessage);
  t.message_ = &message;
  return t;
}

Type Type::OfFieldElement(const FieldDescriptor& field) {
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_ENUM:
      return Int();
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return Uint();
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Double();
    case FieldDescriptor::CPPTYPE_BOOL:
      return Bool();
    case FieldDescriptor::CPPTYPE_STRING:
      return field.type() == FieldDescriptor::TYPE_BYTES ? Bytes() : String();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Message(*field.message_type());
  }
  return Dyn();
}

Type Type::OfField(const FieldDescriptor& field) {
  if (field.is_map()) {
    return Map(OfFieldElement(*field.message_type()->map_key()),
               OfFieldElement(*field.message_type()->map_value()));
  }
  if (field.is_repeated()) return List(OfFieldElement(field));
  return OfFieldElement(field);
}

bool Type::operator==(const Type& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case TypeKind::kList:
      return *element_ == *other.element_;
    case TypeKind::kMap:
      return *key_ == *other.key_ && *element_ == *other.element_;
    case TypeKind::kMessage:
      return message_ == other.message_;
    default:
      return true;
  }
}

bool Type::Accepts(const Type& other) const {
  if (is_dyn() || other.is_dyn()) return true;
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case TypeKind::kList:
      return element_->Accepts(*other.element_);
    case TypeKind::kMap:
      return key_->Accepts(*other.key_) && element_->Accepts(*other.element_);
    case TypeKind::kMessage:
      return message_ == other.message_;
    default:
      return true;
  }
}

std::string Type::DebugString() const {
  switch (kind_) {
    case TypeKind::kDyn:
      return "dyn";
    case TypeKind::kNull:
      return "null_type";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kInt:
      return "int";
    case TypeKind::kUint:
      return "uint";
    case TypeKind::kDouble:
      return "double";
    case TypeKind::kString:
      return "string";
    case TypeKind::kBytes:
      return "bytes";
    case TypeKind::kList:
      return absl::StrCat("list(", element_->DebugString(), ")");
    case TypeKind::kMap:
      return absl::StrCat("map(", key_->DebugString(), ", ",
                          element_->DebugString(), ")");
    case TypeKind::kMessage:
      return message_->full_name();
    case TypeKind::kTimestamp:
      return "google.protobuf.Timestamp";
    case TypeKind::kDuration:
      return "google.protobuf.Duration";
    case TypeKind::kType:
      return "type";
  }
  return "dyn";
}

}  // namespace protogate::expr
