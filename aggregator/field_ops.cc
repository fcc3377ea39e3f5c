#include "aggregator/field_ops.h"

#include <cstdint>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/wire_format_lite.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

struct EnumNumber {
  int value;
};

// Calls f with the native value of a single (non-list) value.
template <typename F>
void Visit(const Value& v, F&& f) {
  if (v.text != nullptr) return f(*v.text);
  if (v.field == nullptr) return f(*v.msg);
  const Reflection& r = *v.msg->GetReflection();
  const FieldDescriptor* fd = v.field;
  const bool rep = fd->is_repeated();
  const int i = v.index;
  switch (fd->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return f(rep ? r.GetRepeatedInt32(*v.msg, fd, i)
                   : r.GetInt32(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_INT64:
      return f(rep ? r.GetRepeatedInt64(*v.msg, fd, i)
                   : r.GetInt64(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_UINT32:
      return f(rep ? r.GetRepeatedUInt32(*v.msg, fd, i)
                   : r.GetUInt32(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_UINT64:
      return f(rep ? r.GetRepeatedUInt64(*v.msg, fd, i)
                   : r.GetUInt64(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return f(rep ? r.GetRepeatedDouble(*v.msg, fd, i)
                   : r.GetDouble(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return f(rep ? r.GetRepeatedFloat(*v.msg, fd, i)
                   : r.GetFloat(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_BOOL:
      return f(rep ? r.GetRepeatedBool(*v.msg, fd, i) : r.GetBool(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_ENUM:
      return f(EnumNumber{rep ? r.GetRepeatedEnumValue(*v.msg, fd, i)
                              : r.GetEnumValue(*v.msg, fd)});
    case FieldDescriptor::CPPTYPE_STRING:
      return f(rep ? r.GetRepeatedString(*v.msg, fd, i)
                   : r.GetString(*v.msg, fd));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return f(rep ? r.GetRepeatedMessage(*v.msg, fd, i)
                   : r.GetMessage(*v.msg, fd));
  }
}

template <typename T>
constexpr bool kIsNumber = std::is_arithmetic_v<std::decay_t<T>>;

// The value as T (numbers convert; enums give their number).
template <typename T>
T AsNumber(const Value& v) {
  T out{};
  Visit(v, [&](const auto& x) {
    using X = std::decay_t<decltype(x)>;
    if constexpr (kIsNumber<X>) {
      out = static_cast<T>(x);
    } else if constexpr (std::is_same_v<X, EnumNumber>) {
      out = static_cast<T>(x.value);
    }
  });
  return out;
}

std::string AsString(const Value& v) {
  std::string out;
  Visit(v, [&](const auto& x) {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, std::string>) {
      out = x;
    }
  });
  return out;
}

const Message* AsMessage(const Value& v) {
  const Message* out = nullptr;
  Visit(v, [&](const auto& x) {
    if constexpr (std::is_base_of_v<Message, std::decay_t<decltype(x)>>) {
      out = &x;
    }
  });
  return out;
}

// Sets (or, for a repeated field, adds) one single value.
void PutOne(const Value& v, Message* dst, const FieldDescriptor* fd) {
  const Reflection& r = *dst->GetReflection();
  const bool rep = fd->is_repeated();
  switch (fd->cpp_type()) {
#define PG_PUT_(CPP, Type, T)               \
  case FieldDescriptor::CPPTYPE_##CPP:      \
    if (rep) {                              \
      r.Add##Type(dst, fd, AsNumber<T>(v)); \
    } else {                                \
      r.Set##Type(dst, fd, AsNumber<T>(v)); \
    }                                       \
    return;
    PG_PUT_(INT32, Int32, int32_t)
    PG_PUT_(INT64, Int64, int64_t)
    PG_PUT_(UINT32, UInt32, uint32_t)
    PG_PUT_(UINT64, UInt64, uint64_t)
    PG_PUT_(DOUBLE, Double, double)
    PG_PUT_(FLOAT, Float, float)
    PG_PUT_(BOOL, Bool, bool)
    PG_PUT_(ENUM, EnumValue, int)
#undef PG_PUT_
    case FieldDescriptor::CPPTYPE_STRING:
      if (rep) {
        r.AddString(dst, fd, AsString(v));
      } else {
        r.SetString(dst, fd, AsString(v));
      }
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* target = rep ? r.AddMessage(dst, fd) : r.MutableMessage(dst, fd);
      target->CopyFrom(*AsMessage(v));
      return;
    }
  }
}

bool IsList(const Value& v) {
  return v.text == nullptr && v.field != nullptr && v.field->is_repeated() &&
         v.index < 0;
}

// Adds every element of a list value, or the single value.
void PutAll(const Value& v, Message* dst, const FieldDescriptor* fd) {
  if (!IsList(v)) return PutOne(v, dst, fd);
  const int n = ListSize(v);
  for (int i = 0; i < n; ++i) PutOne(Element(v, i), dst, fd);
}

}  // namespace

Value Resolve(const Message& root, const FieldPath& path) {
  return ResolveFrom(Value{&root}, path);
}

Value ResolveFrom(const Value& base, const FieldPath& path) {
  if (path.empty()) return base;
  const Message* msg = AsMessage(base);
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    msg = &msg->GetReflection()->GetMessage(*msg, path[i]);
  }
  return Value{msg, path.back()};
}

Value Element(const Value& list, int i) {
  return Value{list.msg, list.field, i};
}

int ListSize(const Value& list) {
  return list.msg->GetReflection()->FieldSize(*list.msg, list.field);
}

void Write(const Value& v, Message* root, const FieldPath& path,
           WriteMode mode) {
  if (path.empty()) {  // The root itself: MERGE or SET of a whole message.
    if (mode == WriteMode::kMerge) {
      root->MergeFrom(*AsMessage(v));
    } else {
      root->CopyFrom(*AsMessage(v));
    }
    return;
  }
  Message* dst = root;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    dst = dst->GetReflection()->MutableMessage(dst, path[i]);
  }
  const FieldDescriptor* fd = path.back();
  const Reflection& r = *dst->GetReflection();
  if (mode == WriteMode::kSetIfAbsent) {
    if (Truthy(Value{dst, fd})) return;
    mode = WriteMode::kSet;
  }
  if (mode == WriteMode::kMerge && !fd->is_repeated()) {
    r.MutableMessage(dst, fd)->MergeFrom(*AsMessage(v));
    return;
  }
  if (mode == WriteMode::kSet && fd->is_repeated()) r.ClearField(dst, fd);
  PutAll(v, dst, fd);
}

bool WireWritable(const FieldDescriptor& fd) {
  if (fd.is_repeated()) return false;
  switch (fd.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_BOOL:
    case FieldDescriptor::CPPTYPE_STRING:
      return true;
    case FieldDescriptor::CPPTYPE_ENUM:  // Open enums keep any number.
      return fd.file()->syntax() ==
             google::protobuf::FileDescriptor::SYNTAX_PROTO3;
    default:
      return false;
  }
}

void AppendWire(const Value& v, const FieldDescriptor& fd, std::string* out) {
  using google::protobuf::internal::WireFormatLite;
  using Out = google::protobuf::io::CodedOutputStream;
  uint8_t buf[16];  // A tag (<= 5 bytes) and a varint (<= 10 bytes).
  uint8_t* end = buf;
  auto tag = [&](WireFormatLite::WireType type) {
    end = Out::WriteVarint32ToArray(WireFormatLite::MakeTag(fd.number(), type),
                                    end);
  };
  if (fd.cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    const std::string text = AsString(v);
    if (text.empty() && !fd.has_presence()) return;
    tag(WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    end = Out::WriteVarint32ToArray(static_cast<uint32_t>(text.size()), end);
    out->append(reinterpret_cast<const char*>(buf), end - buf);
    out->append(text);
    return;
  }
  // Every other WireWritable type: an integer of at most 64 bits.
  const int64_t n = fd.cpp_type() == FieldDescriptor::CPPTYPE_INT32 ||
                            fd.cpp_type() == FieldDescriptor::CPPTYPE_ENUM
                        ? AsNumber<int32_t>(v)
                    : fd.cpp_type() == FieldDescriptor::CPPTYPE_UINT32
                        ? AsNumber<uint32_t>(v)
                    : fd.cpp_type() == FieldDescriptor::CPPTYPE_BOOL
                        ? static_cast<int64_t>(AsNumber<bool>(v))
                    : fd.cpp_type() == FieldDescriptor::CPPTYPE_UINT64
                        ? static_cast<int64_t>(AsNumber<uint64_t>(v))
                        : AsNumber<int64_t>(v);
  if (n == 0 && !fd.has_presence()) return;
  switch (fd.type()) {
    case FieldDescriptor::TYPE_SINT32:
      tag(WireFormatLite::WIRETYPE_VARINT);
      end = Out::WriteVarint32ToArray(
          WireFormatLite::ZigZagEncode32(static_cast<int32_t>(n)), end);
      break;
    case FieldDescriptor::TYPE_SINT64:
      tag(WireFormatLite::WIRETYPE_VARINT);
      end = Out::WriteVarint64ToArray(WireFormatLite::ZigZagEncode64(n), end);
      break;
    case FieldDescriptor::TYPE_FIXED32:
    case FieldDescriptor::TYPE_SFIXED32:
      tag(WireFormatLite::WIRETYPE_FIXED32);
      end = Out::WriteLittleEndian32ToArray(static_cast<uint32_t>(n), end);
      break;
    case FieldDescriptor::TYPE_FIXED64:
    case FieldDescriptor::TYPE_SFIXED64:
      tag(WireFormatLite::WIRETYPE_FIXED64);
      end = Out::WriteLittleEndian64ToArray(static_cast<uint64_t>(n), end);
      break;
    default:  // int32/enum (sign-extended), int64, uint32, uint64, bool.
      tag(WireFormatLite::WIRETYPE_VARINT);
      end = Out::WriteVarint64ToArray(static_cast<uint64_t>(n), end);
      break;
  }
  out->append(reinterpret_cast<const char*>(buf), end - buf);
}

std::string KeyOf(const Value& v) {
  std::string out;
  Visit(v, [&](const auto& x) {
    using X = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<X, bool>) {
      out = x ? "true" : "false";
    } else if constexpr (std::is_integral_v<X>) {
      out = absl::StrCat(x);
    } else if constexpr (std::is_same_v<X, EnumNumber>) {
      out = absl::StrCat(x.value);
    } else if constexpr (std::is_same_v<X, std::string>) {
      out = x;
    }
  });
  return out;
}

std::string KeyOf(const Value& base, const std::vector<FieldPath>& paths) {
  if (paths.size() == 1) return KeyOf(ResolveFrom(base, paths[0]));
  std::string out;
  for (const FieldPath& path : paths) {
    const std::string part = KeyOf(ResolveFrom(base, path));
    absl::StrAppend(&out, part.size(), ":", part);
  }
  return out;
}

bool Truthy(const Value& v) {
  if (v.text != nullptr) return !v.text->empty();
  if (v.field == nullptr) return true;
  const Reflection& r = *v.msg->GetReflection();
  if (IsList(v)) return r.FieldSize(*v.msg, v.field) > 0;
  if (v.index < 0 && v.field->has_presence())
    return r.HasField(*v.msg, v.field);
  bool out = false;
  Visit(v, [&](const auto& x) {
    using X = std::decay_t<decltype(x)>;
    if constexpr (kIsNumber<X>) {
      out = x != 0;
    } else if constexpr (std::is_same_v<X, EnumNumber>) {
      out = x.value != 0;
    } else if constexpr (std::is_same_v<X, std::string>) {
      out = !x.empty();
    } else {
      out = true;
    }
  });
  return out;
}

}  // namespace protogate::aggregator
