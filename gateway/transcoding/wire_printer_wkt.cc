// Well-known types in WirePrinter (part of wire_printer.h).
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/json_writer.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"
#include "gateway/transcoding/wire_printer.h"

namespace protogate::transcoding {
namespace {

int64_t LastInt(const Occurrences& occ) {
  return occ.empty() ? 0 : static_cast<int64_t>(occ.back().bits);
}

std::string_view LastBytes(const Occurrences& occ) {
  return occ.empty() ? std::string_view() : occ.back().bytes;
}

}  // namespace

template <typename Writer>
absl::Status WirePrinter<Writer>::Wkt(const MessageCodec& codec,
                                      std::string_view wire) {
  std::vector<Occurrences>& occ = Table();  // Fields() is not at this depth.
  if (absl::Status s = Collect(codec, wire, &occ); !s.ok()) return s;
  std::string& text = scratch_.text;  // Filled and written, no recursion.
  text.clear();
  absl::Status s;
  switch (codec.wkt()) {
    case WktKind::kTimestamp:
      s = FormatTimestamp(LastInt(occ[0]),
                          static_cast<int32_t>(LastInt(occ[1])), &text);
      break;
    case WktKind::kDuration:
      s = FormatDuration(LastInt(occ[0]), static_cast<int32_t>(LastInt(occ[1])),
                         &text);
      break;
    case WktKind::kFieldMask:
      for (const WireValue& v : occ[0]) {
        if (!text.empty()) text.push_back(',');
        if (!IsValidUtf8(v.bytes) || !FieldMaskPathToJson(v.bytes, &text)) {
          return Bad("field mask path cannot be converted to JSON");
        }
      }
      break;
    case WktKind::kWrapper:
      return FieldValue(codec.fields()[0], occ[0]);
    case WktKind::kStruct:
    case WktKind::kListValue:
      return FieldValue(codec.fields()[0], occ[0]);
    case WktKind::kValue:
      return Value(codec, wire);
    case WktKind::kAny:
      return Any(codec, wire);
    default:
      return Bad("unexpected well-known type");
  }
  if (!s.ok()) return Bad(base::ToStd(s.message()));
  if (IsPlainJsonAscii(text)) {
    w_.PlainString(text);
  } else {
    w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Value(const MessageCodec& codec,
                                        std::string_view wire) {
  std::vector<Occurrences> occ;
  if (absl::Status s = Collect(codec, wire, &occ); !s.ok()) return s;
  for (const FieldCodec& f : codec.fields()) {
    const Occurrences& o = occ[f.index];
    if (o.empty()) continue;
    switch (f.number) {
      case 1:
        w_.Null();
        return absl::OkStatus();
      case 2: {
        double d;
        std::memcpy(&d, &o.back().bits, sizeof(d));
        const std::string text = FormatDouble(d);
        if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
          return Bad("google.protobuf.Value cannot hold NaN or Infinity");
        }
        return Number(text);
      }
      default:
        return FieldValue(f, o);
    }
  }
  w_.Null();  // No kind set.
  return absl::OkStatus();
}

template <typename Writer>
absl::Status WirePrinter<Writer>::Any(const MessageCodec& codec,
                                      std::string_view wire) {
  std::vector<Occurrences> occ;
  if (absl::Status s = Collect(codec, wire, &occ); !s.ok()) return s;
  const std::string_view url = LastBytes(occ[0]);
  const std::string_view value = LastBytes(occ[1]);
  if (url.empty()) {
    if (!value.empty()) return Bad("google.protobuf.Any without type URL");
    w_.StartObject();
    w_.EndObject();
    return absl::OkStatus();
  }
  const size_t slash = url.rfind('/');
  const MessageCodec* target = slash == std::string_view::npos
                                   ? nullptr
                                   : codecs_.FindByName(url.substr(slash + 1));
  if (target == nullptr && !flags_.unknown_any_as_base64) {
    return Bad(absl::StrCat("unknown type \"", base::ToAbsl(url), "\" in Any"));
  }
  if (!IsValidUtf8(url)) return Bad("invalid UTF-8 in Any type URL");
  w_.StartObject();
  w_.Key("@type");
  w_.String(url.data(), static_cast<rapidjson::SizeType>(url.size()));
  absl::Status s;
  if (target == nullptr) {
    std::string text;
    Base64Encode(value, &text);
    w_.Key("value");
    w_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  } else if (target->wkt() == WktKind::kValue && value.empty()) {
    // A google.protobuf.Value with no kind set has no JSON form ("null" is
    // null_value); leaving "value" out reads back as the same empty payload.
  } else if (target->wkt() != WktKind::kNone) {
    w_.Key("value");
    s = Message(*target, value);
  } else {
    s = Fields(*target, value);
  }
  if (!s.ok()) return s;  // The writer is abandoned mid-object.
  w_.EndObject();
  return absl::OkStatus();
}

#define PG_INSTANTIATE_WKT(W)                                      \
  template absl::Status WirePrinter<W>::Wkt(const MessageCodec&,   \
                                            std::string_view);     \
  template absl::Status WirePrinter<W>::Value(const MessageCodec&, \
                                              std::string_view);   \
  template absl::Status WirePrinter<W>::Any(const MessageCodec&,   \
                                            std::string_view);

PG_INSTANTIATE_WKT(CompactJsonWriter)
PG_INSTANTIATE_WKT(PrettyJsonWriter)
#undef PG_INSTANTIATE_WKT

}  // namespace protogate::transcoding
