#include "codegen/openapi_schemas.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "codegen/http_bindings.h"
#include "codegen/well_known.h"

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using rapidjson::Value;
using routing::FieldPath;

constexpr std::string_view kStatusName = "google.rpc.Status";

Value Schema(std::string_view type, std::string_view format,
             JsonAllocator& allocator) {
  Value schema(rapidjson::kObjectType);
  schema.AddMember("type", JsonString(type, allocator), allocator);
  if (!format.empty()) {
    schema.AddMember("format", JsonString(format, allocator), allocator);
  }
  return schema;
}

Value ScalarSchema(FieldDescriptor::Type type, JsonAllocator& allocator) {
  switch (type) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32:
      return Schema("integer", "int32", allocator);
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      return Schema("integer", "uint32", allocator);
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64:
      return Schema("string", "int64", allocator);
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      return Schema("string", "uint64", allocator);
    case FieldDescriptor::TYPE_FLOAT:
      return Schema("number", "float", allocator);
    case FieldDescriptor::TYPE_DOUBLE:
      return Schema("number", "double", allocator);
    case FieldDescriptor::TYPE_BOOL:
      return Schema("boolean", "", allocator);
    case FieldDescriptor::TYPE_BYTES:
      return Schema("string", "byte", allocator);
    default:
      return Schema("string", "", allocator);
  }
}

// A wrapper: its scalar's schema with "null" added to the type.
Value NullableSchema(FieldDescriptor::Type type, JsonAllocator& allocator) {
  Value schema = ScalarSchema(type, allocator);
  Value types(rapidjson::kArrayType);
  types.PushBack(schema["type"], allocator);  // Moves the string.
  types.PushBack("null", allocator);
  schema["type"] = types;
  return schema;
}

Value AnySchema(JsonAllocator& allocator) {
  Value schema = Schema("object", "", allocator);
  Value properties(rapidjson::kObjectType);
  properties.AddMember("@type", Schema("string", "", allocator), allocator);
  schema.AddMember("properties", properties, allocator);
  Value required(rapidjson::kArrayType);
  required.PushBack("@type", allocator);
  schema.AddMember("required", required, allocator);
  return schema;
}

Value WellKnownSchema(WellKnown kind, JsonAllocator& allocator) {
  switch (kind) {
    case WellKnown::kTimestamp:
      return Schema("string", "date-time", allocator);
    case WellKnown::kDuration: {
      Value schema = Schema("string", "", allocator);
      schema.AddMember("pattern", "^-?[0-9]+(\\.[0-9]{1,9})?s$", allocator);
      return schema;
    }
    case WellKnown::kFieldMask:
      return Schema("string", "", allocator);
    case WellKnown::kStruct:
    case WellKnown::kEmpty:
      return Schema("object", "", allocator);
    case WellKnown::kValue:
      return Value(rapidjson::kObjectType);
    case WellKnown::kListValue: {
      Value schema = Schema("array", "", allocator);
      schema.AddMember("items", Value(rapidjson::kObjectType), allocator);
      return schema;
    }
    case WellKnown::kAny:
      return AnySchema(allocator);
    default:
      return NullableSchema(WrappedType(kind), allocator);
  }
}

std::string FieldDescription(const FieldDescriptor& field) {
  std::string doc = Comments(field);
  if (const auto* oneof = field.real_containing_oneof()) {
    if (!doc.empty()) doc += "\n\n";
    absl::StrAppend(&doc, "Member of oneof `", oneof->name(),
                    "`: set at most one of its fields.");
  }
  return doc;
}

void AddDescription(const std::string& text, Value& schema,
                    JsonAllocator& allocator) {
  if (!text.empty() && schema.IsObject()) {
    schema.AddMember("description", JsonString(text, allocator), allocator);
  }
}

}  // namespace

Value JsonString(std::string_view text, JsonAllocator& allocator) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()),
               allocator);
}

Value OpenApiSchemas::Ref(const std::string& full_name) {
  Value schema(rapidjson::kObjectType);
  schema.AddMember(
      "$ref",
      JsonString(absl::StrCat("#/components/schemas/", full_name), allocator_),
      allocator_);
  return schema;
}

Value OpenApiSchemas::StatusRef() { return Ref(std::string(kStatusName)); }

Value OpenApiSchemas::Message(const Descriptor& message) {
  const WellKnown kind = WellKnownOf(message);
  if (kind != WellKnown::kNone) return WellKnownSchema(kind, allocator_);
  if (message.full_name() != kStatusName) {
    messages_[message.full_name()] = &message;
  }
  return Ref(message.full_name());
}

Value OpenApiSchemas::Singular(const FieldDescriptor& field) {
  if (field.message_type() != nullptr) return Message(*field.message_type());
  if (field.enum_type() != nullptr) {
    if (IsNullValue(*field.enum_type())) return Schema("null", "", allocator_);
    enums_[field.enum_type()->full_name()] = field.enum_type();
    return Ref(field.enum_type()->full_name());
  }
  return ScalarSchema(field.type(), allocator_);
}

Value OpenApiSchemas::Field(const FieldDescriptor& field) {
  Value schema(rapidjson::kObjectType);
  if (field.is_map()) {
    schema = Schema("object", "", allocator_);
    schema.AddMember("additionalProperties",
                     Singular(*field.message_type()->map_value()), allocator_);
  } else if (field.is_repeated()) {
    schema = Schema("array", "", allocator_);
    schema.AddMember("items", Singular(field), allocator_);
  } else {
    schema = Singular(field);
  }
  AddDescription(FieldDescription(field), schema, allocator_);
  return schema;
}

Value OpenApiSchemas::MessageWithout(const Descriptor& message,
                                     const std::vector<FieldPath>& omitted) {
  if (omitted.empty()) return Message(message);
  return ObjectSchema(message, omitted);
}

Value OpenApiSchemas::ObjectSchema(const Descriptor& message,
                                   const std::vector<FieldPath>& omitted) {
  Value schema = Schema("object", "", allocator_);
  AddDescription(Comments(message), schema, allocator_);
  Value properties(rapidjson::kObjectType);
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor* field = message.field(i);
    std::vector<FieldPath> below;
    bool whole = false;
    for (const FieldPath& path : omitted) {
      if (path.front() != field) continue;
      whole |= path.size() == 1;
      if (path.size() > 1) below.emplace_back(path.begin() + 1, path.end());
    }
    if (whole) continue;
    Value property = below.empty()
                         ? Field(*field)
                         : ObjectSchema(*field->message_type(), below);
    properties.AddMember(JsonString(field->json_name(), allocator_), property,
                         allocator_);
  }
  schema.AddMember("properties", properties, allocator_);
  return schema;
}

Value OpenApiSchemas::EnumSchema(const EnumDescriptor& type) {
  Value schema = Schema("string", "", allocator_);
  AddDescription(Comments(type), schema, allocator_);
  Value names(rapidjson::kArrayType);
  for (int i = 0; i < type.value_count(); ++i) {
    names.PushBack(JsonString(type.value(i)->name(), allocator_), allocator_);
  }
  schema.AddMember("enum", names, allocator_);
  return schema;
}

Value OpenApiSchemas::Components() {
  std::map<std::string, Value> done;
  done.emplace(std::string(kStatusName), Value(rapidjson::kObjectType));
  bool added = true;
  while (added) {  // Writing a schema may reference new messages.
    added = false;
    const auto messages = messages_;
    for (const auto& [name, message] : messages) {
      if (done.contains(name)) continue;
      done.emplace(name, ObjectSchema(*message, {}));
      added = true;
    }
  }
  for (const auto& [name, type] : enums_) done.emplace(name, EnumSchema(*type));
  Value status = Schema("object", "", allocator_);
  AddDescription(
      "The error of a failed call (google.rpc.Status): a gRPC status code, a "
      "message and details.",
      status, allocator_);
  Value properties(rapidjson::kObjectType);
  properties.AddMember("code", Schema("integer", "int32", allocator_),
                       allocator_);
  properties.AddMember("message", Schema("string", "", allocator_), allocator_);
  Value details = Schema("array", "", allocator_);
  details.AddMember("items", AnySchema(allocator_), allocator_);
  properties.AddMember("details", details, allocator_);
  status.AddMember("properties", properties, allocator_);
  done[std::string(kStatusName)] = status;
  Value out(rapidjson::kObjectType);
  for (auto& [name, schema] : done) {
    out.AddMember(JsonString(name, allocator_), schema, allocator_);
  }
  return out;
}

}  // namespace protogate::codegen
