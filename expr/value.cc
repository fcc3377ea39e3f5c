#include "expr/value.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/base/strings.h"
#include "google/protobuf/reflection.h"

namespace protogate::expr {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

enum class WellKnown { kNone, kTimestamp, kDuration, kWrapper };

WellKnown WellKnownOf(const Descriptor& d) {
  const std::string& n = d.full_name();
  if (n == "google.protobuf.Timestamp") return WellKnown::kTimestamp;
  if (n == "google.protobuf.Duration") return WellKnown::kDuration;
  if (d.file()->name() == "google/protobuf/wrappers.proto")
    return WellKnown::kWrapper;
  return WellKnown::kNone;
}

// Seconds and nanos of a Timestamp or Duration message.
std::pair<int64_t, int32_t> SecondsNanos(const Message& msg) {
  const Descriptor& d = *msg.GetDescriptor();
  const Reflection& r = *msg.GetReflection();
  return {r.GetInt64(msg, d.field(0)), r.GetInt32(msg, d.field(1))};
}

Value Element(const Message& msg, const FieldDescriptor& f, int i) {
  const Reflection& r = *msg.GetReflection();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Value::Int(r.GetRepeatedInt32(msg, &f, i));
    case FieldDescriptor::CPPTYPE_INT64:
      return Value::Int(r.GetRepeatedInt64(msg, &f, i));
    case FieldDescriptor::CPPTYPE_UINT32:
      return Value::Uint(r.GetRepeatedUInt32(msg, &f, i));
    case FieldDescriptor::CPPTYPE_UINT64:
      return Value::Uint(r.GetRepeatedUInt64(msg, &f, i));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Value::Double(r.GetRepeatedFloat(msg, &f, i));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Value::Double(r.GetRepeatedDouble(msg, &f, i));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Value::Bool(r.GetRepeatedBool(msg, &f, i));
    case FieldDescriptor::CPPTYPE_ENUM:
      return Value::Int(r.GetRepeatedEnumValue(msg, &f, i));
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string& s = r.GetRepeatedStringReference(msg, &f, i, nullptr);
      return f.type() == FieldDescriptor::TYPE_BYTES ? Value::BytesView(s)
                                                     : Value::StringView(s);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return Value::FromMessage(r.GetRepeatedMessage(msg, &f, i));
  }
  return Value();
}

Value MapField(const Message& msg, const FieldDescriptor& f) {
  MapEntries entries;
  const Reflection& r = *msg.GetReflection();
  const int n = r.FieldSize(msg, &f);
  const Descriptor& entry = *f.message_type();
  for (int i = 0; i < n; ++i) {
    const Message& e = r.GetRepeatedMessage(msg, &f, i);
    entries.emplace_back(Value::FromField(e, *entry.map_key()),
                         Value::FromField(e, *entry.map_value()));
  }
  return Value::Map(std::move(entries));
}

}  // namespace

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = ValueKind::kBool;
  v.b_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = ValueKind::kInt;
  v.i_ = i;
  return v;
}
Value Value::Uint(uint64_t u) {
  Value v;
  v.kind_ = ValueKind::kUint;
  v.u_ = u;
  return v;
}
Value Value::Double(double d) {
  Value v;
  v.kind_ = ValueKind::kDouble;
  v.d_ = d;
  return v;
}
Value Value::String(std::string s) {
  auto owned = std::make_shared<const std::string>(std::move(s));
  Value v = StringView(*owned);
  v.owned_ = std::move(owned);
  return v;
}
Value Value::Bytes(std::string s) {
  Value v = String(std::move(s));
  v.kind_ = ValueKind::kBytes;
  return v;
}
Value Value::StringView(std::string_view s) {
  Value v;
  v.kind_ = ValueKind::kString;
  v.text_ = s;
  return v;
}
Value Value::BytesView(std::string_view s) {
  Value v = StringView(s);
  v.kind_ = ValueKind::kBytes;
  return v;
}
Value Value::List(ValueList elements) {
  Value v;
  v.kind_ = ValueKind::kList;
  v.owned_ = std::make_shared<const ValueList>(std::move(elements));
  return v;
}
Value Value::RepeatedField(const google::protobuf::Message& msg,
                           const FieldDescriptor& field) {
  Value v;
  v.kind_ = ValueKind::kList;
  v.msg_ = &msg;
  v.field_ = &field;
  return v;
}
Value Value::Map(MapEntries entries) {
  Value v;
  v.kind_ = ValueKind::kMap;
  v.owned_ = std::make_shared<const MapEntries>(std::move(entries));
  return v;
}
Value Value::Message(const google::protobuf::Message& msg) {
  Value v;
  v.kind_ = ValueKind::kMessage;
  v.msg_ = &msg;
  return v;
}
Value Value::Timestamp(absl::Time t) {
  Value v;
  v.kind_ = ValueKind::kTimestamp;
  v.time_ = t;
  return v;
}
Value Value::Duration(absl::Duration d) {
  Value v;
  v.kind_ = ValueKind::kDuration;
  v.duration_ = d;
  return v;
}
Value Value::TypeName(std::string_view name) {
  Value v;
  v.kind_ = ValueKind::kType;
  v.text_ = name;
  return v;
}
Value Value::Error(absl::Status status) {
  Value v;
  v.kind_ = ValueKind::kError;
  v.error_ = std::move(status);
  return v;
}

Value Value::FromMessage(const google::protobuf::Message& msg) {
  switch (WellKnownOf(*msg.GetDescriptor())) {
    case WellKnown::kTimestamp: {
      auto [s, n] = SecondsNanos(msg);
      return Timestamp(absl::FromUnixSeconds(s) + absl::Nanoseconds(n));
    }
    case WellKnown::kDuration: {
      auto [s, n] = SecondsNanos(msg);
      return Duration(absl::Seconds(s) + absl::Nanoseconds(n));
    }
    case WellKnown::kWrapper:
      return FromField(msg, *msg.GetDescriptor()->field(0));
    case WellKnown::kNone:
      break;
  }
  return Message(msg);
}

Value Value::FromField(const google::protobuf::Message& msg,
                       const FieldDescriptor& f) {
  if (f.is_map()) return MapField(msg, f);
  if (f.is_repeated()) return RepeatedField(msg, f);
  const Reflection& r = *msg.GetReflection();
  switch (f.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return Int(r.GetInt32(msg, &f));
    case FieldDescriptor::CPPTYPE_INT64:
      return Int(r.GetInt64(msg, &f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return Uint(r.GetUInt32(msg, &f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return Uint(r.GetUInt64(msg, &f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Double(r.GetFloat(msg, &f));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Double(r.GetDouble(msg, &f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return Bool(r.GetBool(msg, &f));
    case FieldDescriptor::CPPTYPE_ENUM:
      return Int(r.GetEnumValue(msg, &f));
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string& s = r.GetStringReference(msg, &f, nullptr);
      return f.type() == FieldDescriptor::TYPE_BYTES ? BytesView(s)
                                                     : StringView(s);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      if (WellKnownOf(*f.message_type()) == WellKnown::kWrapper &&
          !r.HasField(msg, &f)) {
        return Null();
      }
      return FromMessage(r.GetMessage(msg, &f));
  }
  return Null();
}

int Value::ListSize() const {
  if (msg_ != nullptr) return msg_->GetReflection()->FieldSize(*msg_, field_);
  return static_cast<int>(static_cast<const ValueList*>(owned_.get())->size());
}

Value Value::ListAt(int i) const {
  if (msg_ != nullptr) return Element(*msg_, *field_, i);
  return (*static_cast<const ValueList*>(owned_.get()))[i];
}

const MapEntries& Value::map_entries() const {
  return *static_cast<const MapEntries*>(owned_.get());
}

std::string_view Value::KindName() const {
  switch (kind_) {
    case ValueKind::kNull:
      return "null_type";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kUint:
      return "uint";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kString:
      return "string";
    case ValueKind::kBytes:
      return "bytes";
    case ValueKind::kList:
      return "list";
    case ValueKind::kMap:
      return "map";
    case ValueKind::kMessage:
      return msg_->GetDescriptor()->full_name();
    case ValueKind::kTimestamp:
      return "google.protobuf.Timestamp";
    case ValueKind::kDuration:
      return "google.protobuf.Duration";
    case ValueKind::kType:
      return "type";
    case ValueKind::kError:
      return "error";
  }
  return "dyn";
}

std::string Value::DebugString() const {
  switch (kind_) {
    case ValueKind::kNull:
      return "null";
    case ValueKind::kBool:
      return b_ ? "true" : "false";
    case ValueKind::kInt:
      return absl::StrCat(i_);
    case ValueKind::kUint:
      return absl::StrCat(u_, "u");
    case ValueKind::kDouble:
      return absl::StrCat(d_);
    case ValueKind::kString:
      return absl::StrCat("\"", absl::CEscape(base::ToAbsl(text_)), "\"");
    case ValueKind::kBytes:
      return absl::StrCat("b\"", absl::CEscape(base::ToAbsl(text_)), "\"");
    case ValueKind::kList: {
      std::vector<std::string> parts;
      for (int i = 0; i < ListSize(); ++i)
        parts.push_back(ListAt(i).DebugString());
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
    case ValueKind::kMap: {
      std::vector<std::string> parts;
      for (const auto& [k, v] : map_entries())
        parts.push_back(absl::StrCat(k.DebugString(), ": ", v.DebugString()));
      return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
    }
    case ValueKind::kMessage:
      return absl::StrCat(msg_->GetDescriptor()->full_name(), "{",
                          msg_->ShortDebugString(), "}");
    case ValueKind::kTimestamp:
      return absl::StrCat("timestamp(\"", absl::FormatTime(time_), "\")");
    case ValueKind::kDuration:
      return absl::StrCat("duration(\"", absl::FormatDuration(duration_),
                          "\")");
    case ValueKind::kType:
      return std::string(text_);
    case ValueKind::kError:
      return absl::StrCat("error(", error_.message(), ")");
  }
  return "?";
}

namespace {

bool IsNumber(const Value& v) {
  return v.kind() == ValueKind::kInt || v.kind() == ValueKind::kUint ||
         v.kind() == ValueKind::kDouble;
}

bool NumbersEqual(const Value& a, const Value& b) {
  if (a.kind() == ValueKind::kDouble || b.kind() == ValueKind::kDouble) {
    auto as_double = [](const Value& v) {
      switch (v.kind()) {
        case ValueKind::kInt:
          return static_cast<double>(v.int_value());
        case ValueKind::kUint:
          return static_cast<double>(v.uint_value());
        default:
          return v.double_value();
      }
    };
    return as_double(a) == as_double(b);
  }
  if (a.kind() == b.kind()) {
    return a.kind() == ValueKind::kInt ? a.int_value() == b.int_value()
                                       : a.uint_value() == b.uint_value();
  }
  const Value& i = a.kind() == ValueKind::kInt ? a : b;
  const Value& u = a.kind() == ValueKind::kInt ? b : a;
  return i.int_value() >= 0 &&
         static_cast<uint64_t>(i.int_value()) == u.uint_value();
}

bool MapsEqual(const Value& a, const Value& b) {
  const MapEntries& x = a.map_entries();
  const MapEntries& y = b.map_entries();
  if (x.size() != y.size()) return false;
  for (const auto& [k, v] : x) {
    bool found = false;
    for (const auto& [k2, v2] : y) {
      if (ValuesEqual(k, k2)) {
        if (!ValuesEqual(v, v2)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

bool ValuesEqual(const Value& a, const Value& b) {
  if (IsNumber(a) && IsNumber(b)) return NumbersEqual(a, b);
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kNull:
      return true;
    case ValueKind::kBool:
      return a.bool_value() == b.bool_value();
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kType:
      return a.string_value() == b.string_value();
    case ValueKind::kList: {
      if (a.ListSize() != b.ListSize()) return false;
      for (int i = 0; i < a.ListSize(); ++i) {
        if (!ValuesEqual(a.ListAt(i), b.ListAt(i))) return false;
      }
      return true;
    }
    case ValueKind::kMap:
      return MapsEqual(a, b);
    case ValueKind::kMessage:
      return a.message().GetDescriptor() == b.message().GetDescriptor() &&
             a.message().SerializeAsString() == b.message().SerializeAsString();
    case ValueKind::kTimestamp:
      return a.time_value() == b.time_value();
    case ValueKind::kDuration:
      return a.duration_value() == b.duration_value();
    default:
      return false;
  }
}

}  // namespace protogate::expr
