#include "codegen/well_known.h"

#include <string_view>

namespace protogate::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

struct WellKnownName {
  std::string_view full_name;
  WellKnown kind;
};

constexpr WellKnownName kWellKnown[] = {
    {"google.protobuf.Timestamp", WellKnown::kTimestamp},
    {"google.protobuf.Duration", WellKnown::kDuration},
    {"google.protobuf.FieldMask", WellKnown::kFieldMask},
    {"google.protobuf.DoubleValue", WellKnown::kDoubleValue},
    {"google.protobuf.FloatValue", WellKnown::kFloatValue},
    {"google.protobuf.Int64Value", WellKnown::kInt64Value},
    {"google.protobuf.UInt64Value", WellKnown::kUInt64Value},
    {"google.protobuf.Int32Value", WellKnown::kInt32Value},
    {"google.protobuf.UInt32Value", WellKnown::kUInt32Value},
    {"google.protobuf.BoolValue", WellKnown::kBoolValue},
    {"google.protobuf.StringValue", WellKnown::kStringValue},
    {"google.protobuf.BytesValue", WellKnown::kBytesValue},
    {"google.protobuf.Struct", WellKnown::kStruct},
    {"google.protobuf.Value", WellKnown::kValue},
    {"google.protobuf.ListValue", WellKnown::kListValue},
    {"google.protobuf.Any", WellKnown::kAny},
    {"google.protobuf.Empty", WellKnown::kEmpty},
};

}  // namespace

WellKnown WellKnownOf(const Descriptor& message) {
  for (const WellKnownName& entry : kWellKnown) {
    if (message.full_name() == entry.full_name) return entry.kind;
  }
  return WellKnown::kNone;
}

bool IsNullValue(const google::protobuf::EnumDescriptor& enum_type) {
  return enum_type.full_name() == "google.protobuf.NullValue";
}

FieldDescriptor::Type WrappedType(WellKnown kind) {
  switch (kind) {
    case WellKnown::kDoubleValue:
      return FieldDescriptor::TYPE_DOUBLE;
    case WellKnown::kFloatValue:
      return FieldDescriptor::TYPE_FLOAT;
    case WellKnown::kInt64Value:
      return FieldDescriptor::TYPE_INT64;
    case WellKnown::kUInt64Value:
      return FieldDescriptor::TYPE_UINT64;
    case WellKnown::kInt32Value:
      return FieldDescriptor::TYPE_INT32;
    case WellKnown::kUInt32Value:
      return FieldDescriptor::TYPE_UINT32;
    case WellKnown::kBoolValue:
      return FieldDescriptor::TYPE_BOOL;
    case WellKnown::kStringValue:
      return FieldDescriptor::TYPE_STRING;
    case WellKnown::kBytesValue:
      return FieldDescriptor::TYPE_BYTES;
    default:
      return FieldDescriptor::TYPE_MESSAGE;
  }
}

bool IsScalarLike(const FieldDescriptor& field) {
  if (field.is_map()) return false;
  if (field.cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const WellKnown kind = WellKnownOf(*field.message_type());
  return kind == WellKnown::kTimestamp || kind == WellKnown::kDuration ||
         kind == WellKnown::kFieldMask ||
         WrappedType(kind) != FieldDescriptor::TYPE_MESSAGE;
}

}  // namespace protogate::codegen
