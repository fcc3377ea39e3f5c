#include "gateway/transcoding/json_scalar.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {

using google::protobuf::FieldDescriptor;
using Kind = JsonScalar::Kind;

namespace {

std::string TypeName(const FieldCodec& f) {
  if (f.type == FieldDescriptor::TYPE_ENUM) {
    return absl::StrCat("enum ", f.enum_codec->descriptor->name());
  }
  return FieldDescriptor::TypeName(f.type);
}

absl::Status Expected(std::string_view what, const JsonScalar& v) {
  return absl::InvalidArgumentError(absl::StrCat(
      "expected ", base::ToAbsl(what), ", got ", DescribeScalar(v)));
}

bool IsStringy(const JsonScalar& v) {
  return v.kind == Kind::kString || v.kind == Kind::kText;
}

// Integer value of a number or numeric string.
bool SignedValue(const JsonScalar& v, int64_t min, int64_t max, int64_t* r) {
  if (v.kind != Kind::kNumber && !IsStringy(v)) return false;
  return ParseJsonInt64(v.text, min, max, r);
}

bool UnsignedValue(const JsonScalar& v, uint64_t max, uint64_t* r) {
  if (v.kind != Kind::kNumber && !IsStringy(v)) return false;
  return ParseJsonUint64(v.text, max, r);
}

bool DoubleValue(const JsonScalar& v, double* r) {
  if (v.kind == Kind::kNumber) return ParseJsonDouble(v.text, false, r);
  return IsStringy(v) && ParseJsonDouble(v.text, true, r);
}

struct Encoded {
  uint64_t bits = 0;  // Numeric value (varint or fixed bits).
  std::string bytes;  // String/bytes value.
  bool length_delimited = false;
};

absl::Status EncodeEnum(const FieldCodec& f, const JsonScalar& v,
                        const ParseOptions& options, Encoded* e) {
  if (f.enum_codec->is_null_value && v.kind == Kind::kNull) return {};
  int64_t number;
  if (v.kind == Kind::kNumber ||
      (v.kind == Kind::kText && IsJsonNumber(v.text))) {
    if (!SignedValue(v, INT32_MIN, INT32_MAX, &number)) {
      return Expected(TypeName(f), v);
    }
    e->bits = static_cast<uint64_t>(number);
    return {};
  }
  if (!IsStringy(v)) return Expected(TypeName(f), v);
  const int32_t* found =
      f.enum_codec->FindByName(v.text, options.case_insensitive_enums);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown value ", DescribeScalar(v),
                                            " for ", TypeName(f)));
  }
  e->bits = static_cast<uint64_t>(static_cast<int64_t>(*found));
  return {};
}

absl::Status EncodeFloating(const FieldCodec& f, const JsonScalar& v,
                            Encoded* e) {
  double d;
  if (!DoubleValue(v, &d)) return Expected(TypeName(f), v);
  if (f.type == FieldDescriptor::TYPE_DOUBLE) {
    std::memcpy(&e->bits, &d, sizeof(d));
    return {};
  }
  // Doubles that round to at most FLT_MAX are in range; beyond that is not.
  const double limit = static_cast<double>(FLT_MAX) + std::ldexp(1.0, 103);
  if (std::isfinite(d) && std::fabs(d) >= limit) {
    return Expected(TypeName(f), v);
  }
  const float fl = static_cast<float>(d);
  uint32_t bits;
  std::memcpy(&bits, &fl, sizeof(fl));
  e->bits = bits;
  return {};
}

// A bool: JSON true/false, or URL text (or a map key) "true"/"false".
bool BoolValue(const JsonScalar& v, uint64_t* bits) {
  if (v.kind == Kind::kBool) {
    *bits = v.boolean;
    return true;
  }
  if (v.kind == Kind::kText && (v.text == "true" || v.text == "false")) {
    *bits = v.text == "true";
    return true;
  }
  return false;
}

absl::Status EncodeString(const FieldCodec& f, const JsonScalar& v,
                          Encoded* e) {
  if (!IsStringy(v)) return Expected(TypeName(f), v);
  if (!IsValidUtf8(v.text)) {
    return absl::InvalidArgumentError("invalid UTF-8 in string");
  }
  e->bytes = std::string(v.text);
  e->length_delimited = true;
  return {};
}

absl::Status EncodeValue(const FieldCodec& f, const JsonScalar& v,
                         const ParseOptions& options, Encoded* e) {
  int64_t s;
  uint64_t u;
  switch (f.type) {
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SFIXED32:
    case FieldDescriptor::TYPE_SINT32:
      if (!SignedValue(v, INT32_MIN, INT32_MAX, &s)) break;
      e->bits = f.type == FieldDescriptor::TYPE_SINT32
                    ? ZigZag32(static_cast<int32_t>(s))
                : f.type == FieldDescriptor::TYPE_SFIXED32
                    ? static_cast<uint32_t>(s)
                    : static_cast<uint64_t>(s);
      return {};
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SFIXED64:
    case FieldDescriptor::TYPE_SINT64:
      if (!SignedValue(v, INT64_MIN, INT64_MAX, &s)) break;
      e->bits = f.type == FieldDescriptor::TYPE_SINT64
                    ? ZigZag64(s)
                    : static_cast<uint64_t>(s);
      return {};
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32:
      if (!UnsignedValue(v, UINT32_MAX, &u)) break;
      e->bits = u;
      return {};
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64:
      if (!UnsignedValue(v, UINT64_MAX, &u)) break;
      e->bits = u;
      return {};
    case FieldDescriptor::TYPE_BOOL:
      if (!BoolValue(v, &e->bits)) break;
      return {};
    case FieldDescriptor::TYPE_FLOAT:
    case FieldDescriptor::TYPE_DOUBLE:
      return EncodeFloating(f, v, e);
    case FieldDescriptor::TYPE_STRING:
      return EncodeString(f, v, e);
    case FieldDescriptor::TYPE_BYTES:
      e->length_delimited = true;
      if (IsStringy(v) && Base64Decode(v.text, &e->bytes)) return {};
      return Expected("bytes (base64)", v);
    case FieldDescriptor::TYPE_ENUM:
      return EncodeEnum(f, v, options, e);
    default:
      break;
  }
  return Expected(TypeName(f), v);
}

void WriteEncoded(const FieldCodec& f, const Encoded& e, ScalarWrite mode,
                  std::string* out) {
  if (mode == ScalarWrite::kSkipDefault &&
      (e.length_delimited ? e.bytes.empty() : e.bits == 0)) {
    return;
  }
  if (mode != ScalarWrite::kUntagged) AppendVarint(f.tag, out);
  if (e.length_delimited) {
    AppendVarint(e.bytes.size(), out);
    out->append(e.bytes);
    return;
  }
  switch (f.tag & 7) {
    case kFixed32:
      AppendFixed32(static_cast<uint32_t>(e.bits), out);
      break;
    case kFixed64:
      AppendFixed64(e.bits, out);
      break;
    default:
      AppendVarint(e.bits, out);
  }
}

}  // namespace

std::string DescribeScalar(const JsonScalar& v) {
  switch (v.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return v.boolean ? "true" : "false";
    case Kind::kNumber:
      return std::string(v.text);
    default:
      break;
  }
  std::string text(v.text.substr(0, 64));
  if (!IsValidUtf8(text)) return "invalid UTF-8 string";
  return absl::StrCat("\"", text, v.text.size() > 64 ? "...\"" : "\"");
}

absl::Status EncodeScalar(const FieldCodec& field, const JsonScalar& v,
                          const ParseOptions& options, ScalarWrite mode,
                          std::string* out) {
  Encoded e;
  if (absl::Status s = EncodeValue(field, v, options, &e); !s.ok()) return s;
  WriteEncoded(field, e, mode, out);
  return absl::OkStatus();
}

}  // namespace protogate::transcoding
