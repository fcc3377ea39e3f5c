// Well-known types with a special proto3 JSON mapping, and proto comments.
//
// Both generators (TypeScript, OpenAPI) map these types inline instead of as
// messages: Timestamp/Duration/FieldMask are strings, the wrappers nullable
// primitives, Struct/Value/ListValue free JSON, Any an object with "@type",
// Empty an empty object, NullValue the JSON null.
//
// Thread safety: stateless functions.
#pragma once

#include <string>

#include "google/protobuf/descriptor.h"

namespace protogate::codegen {

enum class WellKnown {
  kNone,  // An ordinary message.
  kTimestamp,
  kDuration,
  kFieldMask,
  kDoubleValue,
  kFloatValue,
  kInt64Value,
  kUInt64Value,
  kInt32Value,
  kUInt32Value,
  kBoolValue,
  kStringValue,
  kBytesValue,
  kStruct,
  kValue,
  kListValue,
  kAny,
  kEmpty,
};

// The well-known kind of `message` (by full name), kNone for other messages.
WellKnown WellKnownOf(const google::protobuf::Descriptor& message);

// True for google.protobuf.NullValue, whose JSON form is `null`.
bool IsNullValue(const google::protobuf::EnumDescriptor& enum_type);

// For a wrapper kind (kDoubleValue..kBytesValue), the wrapped field's type;
// CPPTYPE_MESSAGE for every other kind.
google::protobuf::FieldDescriptor::Type WrappedType(WellKnown kind);

// True when `field` is proto3 JSON-encoded as a single JSON scalar that can
// also be a path variable or query value: a non-map scalar or enum, or a
// Timestamp, Duration, FieldMask or wrapper. Ignores repetition.
bool IsScalarLike(const google::protobuf::FieldDescriptor& field);

// The leading comments of `descriptor` (from SourceCodeInfo), trimmed of
// surrounding whitespace; empty when the pool has no source info.
template <typename D>
std::string Comments(const D& descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor.GetSourceLocation(&location)) return "";
  std::string text = location.leading_comments;
  const size_t begin = text.find_first_not_of(" \n\t");
  if (begin == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \n\t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace protogate::codegen
