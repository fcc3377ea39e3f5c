#include "gateway/transcoding/status_json.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"
#include "gateway/transcoding/wire_printer.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::transcoding {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

absl::Status BadStatus(std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid google.rpc.Status: ", base::ToAbsl(what)));
}

void WriteString(JsonWriter& w, std::string_view s) {
  if (HasRapidJsonSse2Miss(s)) {  // See text_codecs.h.
    const std::string quoted = JsonQuoteEveryControl(s);
    w.RawValue(quoted.data(), quoted.size(), rapidjson::kStringType);
    return;
  }
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// Reads the type URL and value of one google.protobuf.Any.
absl::Status ReadAny(std::string_view wire, std::string_view* url,
                     std::string_view* value) {
  WireReader r(wire);
  while (!r.done()) {
    uint32_t number, wire_type;
    if (!r.ReadTag(&number, &wire_type)) return BadStatus("bad detail");
    if ((number == 1 || number == 2) && wire_type == kLengthDelimited) {
      if (!r.ReadLengthDelimited(number == 1 ? url : value)) {
        return BadStatus("bad detail");
      }
    } else if (!r.Skip(number, wire_type)) {
      return BadStatus("bad detail");
    }
  }
  return absl::OkStatus();
}

// One detail as JSON: the message's fields plus "@type", or "@type" and a
// "value" (a WKT's JSON, or base64 bytes when the type is unknown).
absl::Status DetailToJson(const CodecSet& codecs, std::string_view wire,
                          std::string* json) {
  std::string_view url, value;
  if (absl::Status s = ReadAny(wire, &url, &value); !s.ok()) return s;
  if (!IsValidUtf8(url)) return BadStatus("invalid type URL");
  const size_t slash = url.rfind('/');
  const MessageCodec* target = slash == std::string_view::npos
                                   ? nullptr
                                   : codecs.FindByName(url.substr(slash + 1));
  rapidjson::StringBuffer head;
  JsonWriter w(head);
  w.StartObject();
  w.Key("@type");
  WriteString(w, url);
  std::string body;
  if (target == nullptr) {
    Base64Encode(value, &body);
    w.Key("value");
    WriteString(w, body);
    w.EndObject();
    json->assign(head.GetString(), head.GetSize());
    return absl::OkStatus();
  }
  PrintFlags flags;
  flags.unknown_any_as_base64 = true;
  if (absl::Status s = PrintWireJson(codecs, *target, nullptr, value,
                                     PrintOptions(), flags, &body);
      !s.ok()) {
    return s;
  }
  if (target->wkt() != WktKind::kNone) {
    w.Key("value");
    w.RawValue(body.data(), body.size(), rapidjson::kObjectType);
    w.EndObject();
    json->assign(head.GetString(), head.GetSize());
    return absl::OkStatus();
  }
  // Splice "@type" in front of the message's own fields.
  json->assign(head.GetString(), head.GetSize());
  if (body.size() > 2)
    absl::StrAppend(json, ",", body.substr(1));
  else
    json->push_back('}');
  return absl::OkStatus();
}

}  // namespace

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:  // UNKNOWN, INTERNAL, DATA_LOSS and anything unexpected.
      return 500;
  }
}

std::string StatusToJson(absl::StatusCode code, std::string_view message) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(static_cast<int>(code));
  w.Key("message");
  if (IsValidUtf8(message)) {
    WriteString(w, message);
  } else {
    WriteString(w, "(message is not valid UTF-8)");
  }
  w.Key("details");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

absl::StatusOr<std::string> StatusWireToJson(const CodecSet& codecs,
                                             std::string_view status_wire) {
  int32_t code = 0;
  std::string_view message;
  std::vector<std::string> details;
  WireReader r(status_wire);
  while (!r.done()) {
    uint32_t number, wire_type;
    if (!r.ReadTag(&number, &wire_type)) return BadStatus("bad tag");
    uint64_t v;
    std::string_view bytes;
    if (number == 1 && wire_type == kVarint) {
      if (!r.ReadVarint(&v)) return BadStatus("bad code");
      code = static_cast<int32_t>(v);
    } else if ((number == 2 || number == 3) && wire_type == kLengthDelimited) {
      if (!r.ReadLengthDelimited(&bytes)) return BadStatus("truncated");
      if (number == 2) {
        message = bytes;
        continue;
      }
      std::string& detail = details.emplace_back();
      if (absl::Status s = DetailToJson(codecs, bytes, &detail); !s.ok()) {
        return s;
      }
    } else if (!r.Skip(number, wire_type)) {
      return BadStatus("bad field");
    }
  }
  if (!IsValidUtf8(message)) return BadStatus("message is not UTF-8");
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(code);
  w.Key("message");
  WriteString(w, message);
  w.Key("details");
  w.StartArray();
  for (const std::string& d : details) {
    w.RawValue(d.data(), d.size(), rapidjson::kObjectType);
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace protogate::transcoding
