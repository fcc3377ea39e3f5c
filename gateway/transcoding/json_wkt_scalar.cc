// Scalar JSON forms of well-known types (part of json_scalar.h).
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/json_scalar.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"

namespace protogate::transcoding {
namespace {

using Kind = JsonScalar::Kind;

absl::Status Expected(std::string_view what, const JsonScalar& v) {
  return absl::InvalidArgumentError(absl::StrCat(
      "expected ", base::ToAbsl(what), ", got ", DescribeScalar(v)));
}

bool IsStringy(const JsonScalar& v) {
  return v.kind == Kind::kString || v.kind == Kind::kText;
}

void AppendSecondsNanos(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds != 0) {
    AppendVarint(0x08, out);
    AppendVarint(static_cast<uint64_t>(seconds), out);
  }
  if (nanos != 0) {
    AppendVarint(0x10, out);
    AppendVarint(static_cast<uint64_t>(static_cast<int64_t>(nanos)), out);
  }
}

absl::Status EncodeFieldMask(const JsonScalar& v, std::string* out) {
  if (!IsStringy(v)) return Expected("field mask string", v);
  if (v.text.empty()) return absl::OkStatus();
  if (!IsValidUtf8(v.text)) {  // A lone "\udc00" escape decodes to bad UTF-8.
    return absl::InvalidArgumentError("invalid UTF-8 in string");
  }
  // As libprotobuf: empty paths ("a,,b", ",") are skipped.
  for (absl::string_view path :
       absl::StrSplit(base::ToAbsl(v.text), ',', absl::SkipEmpty())) {
    std::string proto_path;
    if (!FieldMaskPathFromJson(base::ToStd(path), &proto_path)) {
      return Expected("field mask string", v);
    }
    AppendLengthDelimited(0x0a, proto_path, out);
  }
  return absl::OkStatus();
}

absl::Status EncodeScalarValue(const JsonScalar& v, std::string* out) {
  switch (v.kind) {
    case Kind::kNull:
      AppendVarint(0x08, out);
      AppendVarint(0, out);
      return absl::OkStatus();
    case Kind::kBool:
      AppendVarint(0x20, out);
      AppendVarint(v.boolean, out);
      return absl::OkStatus();
    case Kind::kNumber: {
      double d;
      if (!ParseJsonDouble(v.text, false, &d)) return Expected("number", v);
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof(d));
      AppendVarint(0x11, out);
      AppendFixed64(bits, out);
      return absl::OkStatus();
    }
    default:
      if (!IsValidUtf8(v.text)) {
        return absl::InvalidArgumentError("invalid UTF-8 in string");
      }
      AppendLengthDelimited(0x1a, v.text, out);
      return absl::OkStatus();
  }
}

}  // namespace

bool IsScalarWkt(const MessageCodec& codec) {
  switch (codec.wkt()) {
    case WktKind::kTimestamp:
    case WktKind::kDuration:
    case WktKind::kFieldMask:
    case WktKind::kWrapper:
    case WktKind::kValue:
      return true;
    default:
      return false;
  }
}

absl::Status EncodeWktScalar(const MessageCodec& codec, const JsonScalar& v,
                             const ParseOptions& options, std::string* out) {
  int64_t seconds = 0;
  int32_t nanos = 0;
  switch (codec.wkt()) {
    case WktKind::kTimestamp:
      if (!IsStringy(v) || !ParseTimestamp(v.text, &seconds, &nanos)) {
        return Expected("RFC 3339 timestamp", v);
      }
      AppendSecondsNanos(seconds, nanos, out);
      return absl::OkStatus();
    case WktKind::kDuration:
      if (!IsStringy(v) || !ParseDuration(v.text, &seconds, &nanos)) {
        return Expected("duration such as \"1.5s\"", v);
      }
      AppendSecondsNanos(seconds, nanos, out);
      return absl::OkStatus();
    case WktKind::kFieldMask:
      return EncodeFieldMask(v, out);
    case WktKind::kWrapper:
      if (v.kind == Kind::kNull) {
        return Expected(codec.fields()[0].descriptor->type_name(), v);
      }
      return EncodeScalar(codec.fields()[0], v, options,
                          ScalarWrite::kSkipDefault, out);
    case WktKind::kValue:
      return EncodeScalarValue(v, out);
    default:
      return Expected("object", v);
  }
}

}  // namespace protogate::transcoding
