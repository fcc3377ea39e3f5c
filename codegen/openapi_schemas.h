// OpenApiSchemas: JSON Schemas (OpenAPI 3.1 / JSON Schema 2020-12) of the
// proto3 JSON forms of fields and messages, and the components they need.
//
// Messages are `$ref: "#/components/schemas/<full name>"`; enums likewise,
// as `{type: string, enum: [names]}`. Scalars: 32-bit integers `integer`
// (format int32/uint32), 64-bit integers `string` (format int64/uint64),
// float/double `number`, bytes `string` format byte; Timestamp `string`
// date-time, Duration a `string` with its pattern, FieldMask `string`,
// wrappers their scalar or null, Struct an object, Value any, ListValue an
// array, Any an object with "@type", Empty an object. google.rpc.Status is
// always the component "google.rpc.Status" (written here, not from
// descriptors). Descriptions come from proto comments.
//
// Thread safety: not thread-safe; one instance per document. Ownership:
// values are allocated in the borrowed allocator, which must outlive them;
// descriptors must outlive the instance.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/routing/route.h"
#include "google/protobuf/descriptor.h"
#include "rapidjson/document.h"

namespace protogate::codegen {

using JsonAllocator = rapidjson::Document::AllocatorType;

// A JSON string value copied into `allocator`.
rapidjson::Value JsonString(std::string_view text, JsonAllocator& allocator);

class OpenApiSchemas {
 public:
  explicit OpenApiSchemas(JsonAllocator& allocator) : allocator_(allocator) {}

  // The schema of `field`'s JSON value (arrays and maps included), with
  // its comments as description.
  rapidjson::Value Field(const google::protobuf::FieldDescriptor& field);

  // The schema of a message's JSON form ($ref, or inline for well-known
  // types).
  rapidjson::Value Message(const google::protobuf::Descriptor& message);

  // An inline object schema of `message` without the fields at `omitted`
  // (field paths relative to `message`): used for request bodies that
  // leave out path-bound fields.
  rapidjson::Value MessageWithout(
      const google::protobuf::Descriptor& message,
      const std::vector<routing::FieldPath>& omitted);

  // The $ref of the google.rpc.Status component.
  rapidjson::Value StatusRef();

  // components/schemas: every message and enum referenced so far, and
  // those they reference, sorted by full name.
  rapidjson::Value Components();

 private:
  rapidjson::Value Ref(const std::string& full_name);
  rapidjson::Value Singular(const google::protobuf::FieldDescriptor& field);
  rapidjson::Value ObjectSchema(const google::protobuf::Descriptor& message,
                                const std::vector<routing::FieldPath>& omitted);
  rapidjson::Value EnumSchema(const google::protobuf::EnumDescriptor& type);

  JsonAllocator& allocator_;
  std::map<std::string, const google::protobuf::Descriptor*> messages_;
  std::map<std::string, const google::protobuf::EnumDescriptor*> enums_;
};

}  // namespace protogate::codegen
