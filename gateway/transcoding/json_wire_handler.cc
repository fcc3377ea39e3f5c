#include "gateway/transcoding/json_wire_handler.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/wire_format.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"

namespace protogate::transcoding {

using google::protobuf::FieldDescriptor;
using Kind = JsonScalar::Kind;

namespace {

constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseIterativeFlag;

bool IsMessage(const FieldCodec& f) {
  return f.type == FieldDescriptor::TYPE_MESSAGE;
}

}  // namespace

JsonWireHandler::JsonWireHandler(const CodecSet& codecs,
                                 const ParseOptions& options, std::string* out)
    : codecs_(codecs), options_(options), out_(out) {}

absl::Status JsonWireHandler::ParseMessage(const MessageCodec& codec,
                                           std::string_view json) {
  root_ = Slot{MakeSynthetic(0, &codec), Mode::kRoot};
  return Run(json);
}

absl::Status JsonWireHandler::ParseField(const FieldCodec& field,
                                         std::string_view json) {
  root_ = Slot{&field, Mode::kField};
  root_name_ = field.json_name;
  return Run(json);
}

absl::Status JsonWireHandler::Run(std::string_view json) {
  if (json.size() > options_.max_input_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JSON input of ", json.size(), " bytes exceeds the limit of ",
        options_.max_input_bytes, " bytes"));
  }
  json_ = json;
  rapidjson::MemoryStream stream(json.data(), json.size());
  stream_ = &stream;
  rapidjson::Reader reader;
  rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, *this);
  stream_ = nullptr;
  if (!status_.ok()) return status_;
  if (result.IsError()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON at offset ", result.Offset(), ": ",
                     rapidjson::GetParseError_En(result.Code())));
  }
  if (stream.Tell() != json.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed JSON at offset ", stream.Tell(), ": unexpected NUL"));
  }
  return absl::OkStatus();
}

bool JsonWireHandler::Unexpected() {
  return Fail("internal error: unexpected JSON event");
}

bool JsonWireHandler::Fail(std::string_view message) {
  if (status_.ok()) {
    const std::string path = Path();
    status_ = absl::InvalidArgumentError(
        path.empty()
            ? std::string(message)
            : absl::StrCat("field \"", path, "\": ", base::ToAbsl(message)));
  }
  return false;
}

std::string JsonWireHandler::Path() const {
  std::string path = root_name_;
  for (const Frame& f : frames_) {
    switch (f.kind) {
      case FrameKind::kRepeated:
        absl::StrAppend(&path, "[", f.index, "]");
        break;
      case FrameKind::kMap:
        if (!f.key.empty()) absl::StrAppend(&path, "[", f.key, "]");
        break;
      default:
        if (!f.key.empty()) {
          absl::StrAppend(&path, path.empty() ? "" : ".", f.key);
        }
    }
  }
  return path;
}

const FieldCodec* JsonWireHandler::MakeSynthetic(uint32_t number,
                                                 const MessageCodec* codec) {
  FieldCodec& f = synthetic_.emplace_back();
  f.number = number;
  f.type = FieldDescriptor::TYPE_MESSAGE;
  f.tag = (number << 3) | kLengthDelimited;
  f.packed_tag = f.tag;
  f.has_presence = true;
  f.message = codec;
  return &f;
}

bool JsonWireHandler::CurrentSlot(Slot* slot) {
  if (frames_.empty()) {
    if (root_done_) return Unexpected();
    *slot = root_;
    return true;
  }
  const Frame& top = frames_.back();
  switch (top.kind) {
    case FrameKind::kMessage:
    case FrameKind::kAnyWkt:
      *slot = Slot{top.pending, Mode::kField};
      break;
    case FrameKind::kRepeated:
      *slot = Slot{top.field, top.packed ? Mode::kPacked : Mode::kElement};
      break;
    case FrameKind::kMap:
      *slot = Slot{&top.field->message->fields()[1], Mode::kMapValue};
      break;
  }
  return slot->field != nullptr || Unexpected();
}

void JsonWireHandler::ValueDone() {
  if (frames_.empty()) {
    root_done_ = true;
    return;
  }
  Frame& top = frames_.back();
  switch (top.kind) {
    case FrameKind::kMessage:
    case FrameKind::kAnyWkt:
      top.pending = nullptr;
      top.key.clear();
      break;
    case FrameKind::kRepeated:
      ++top.index;
      break;
    case FrameKind::kMap:
      CloseRegion();
      top.key.clear();
      break;
  }
}

bool JsonWireHandler::DropMapEntry() {
  out_->resize(region_stack_.back().tag_pos);
  region_stack_.pop_back();
  frames_.back().key.clear();
  return true;
}

void JsonWireHandler::OpenRegion(uint32_t tag, bool drop_if_empty) {
  Region r{out_->size(), 0, drop_if_empty};
  AppendVarint(tag, out_);
  out_->push_back('\0');  // One-byte length placeholder.
  r.start = out_->size();
  region_stack_.push_back(r);
}

void JsonWireHandler::OpenSlotRegion(const Slot& slot) {
  if (slot.mode == Mode::kRoot) return;
  // Synthetic fields (the value of an Any) are dropped when empty.
  OpenRegion(slot.field->tag, slot.field->descriptor == nullptr);
}

void JsonWireHandler::CloseRegion() {
  const Region r = region_stack_.back();
  region_stack_.pop_back();
  const size_t len = out_->size() - r.start;
  if (len == 0 && r.drop_if_empty) {
    out_->resize(r.tag_pos);
  } else if (len < 0x80) {
    (*out_)[r.start - 1] = static_cast<char>(len);
  } else {
    std::string prefix;
    AppendVarint(len, &prefix);
    out_->replace(r.start - 1, 1, prefix);
  }
}

void JsonWireHandler::PushFrame(Frame frame) {
  if (frame.kind == FrameKind::kMessage) {
    frame.seen.assign(frame.codec->fields().size(), false);
    frame.oneof_set.assign(frame.codec->oneof_count(), -1);
  }
  frames_.push_back(std::move(frame));
}

bool JsonWireHandler::CheckOneof(const Slot& slot) {
  if (slot.mode != Mode::kField || slot.field->oneof_index < 0 ||
      frames_.empty()) {
    return true;
  }
  Frame& top = frames_.back();
  int& set = top.oneof_set[slot.field->oneof_index];
  if (set >= 0 && set != slot.field->index) {
    const auto* oneof = slot.field->descriptor->containing_oneof();
    return Fail(absl::StrCat("oneof \"", oneof->name(),
                             "\" already has field \"",
                             top.codec->fields()[set].json_name, "\" set"));
  }
  set = slot.field->index;
  return true;
}

// ---- Scalars ---------------------------------------------------------------

bool JsonWireHandler::Null() { return Scalar(JsonScalar{Kind::kNull}); }

bool JsonWireHandler::Bool(bool b) {
  return Scalar(JsonScalar{Kind::kBool, b});
}

bool JsonWireHandler::RawNumber(const char* str, SizeType length, bool) {
  return Scalar(JsonScalar{Kind::kNumber, false, {str, length}});
}

bool JsonWireHandler::String(const char* str, SizeType length, bool) {
  return Scalar(JsonScalar{Kind::kString, false, {str, length}});
}

bool JsonWireHandler::Scalar(const JsonScalar& v) {
  if (skip_) {
    if (skip_depth_ == 0) {
      skip_ = false;
      ValueDone();
    }
    return true;
  }
  Slot slot;
  if (!CurrentSlot(&slot)) return false;
  const FieldCodec& f = *slot.field;
  const bool null = v.kind == Kind::kNull;
  if (slot.mode == Mode::kField && (f.repeated || f.is_map)) {
    if (!null) {
      return Fail(absl::StrCat("expected ", f.is_map ? "object" : "array",
                               ", got ", DescribeScalar(v)));
    }
    ValueDone();
    return true;
  }
  if (IsMessage(f)) return ScalarIntoMessageSlot(slot, v);
  const bool null_value =
      f.enum_codec != nullptr && f.enum_codec->is_null_value;
  if (null && !null_value) {
    if (slot.mode != Mode::kField) {
      return Fail(absl::StrCat("null is not allowed here"));
    }
    ValueDone();
    return true;
  }
  if (!CheckOneof(slot)) return false;
  return WriteScalar(slot, v);
}

bool JsonWireHandler::WriteScalar(const Slot& slot, const JsonScalar& v) {
  const FieldCodec& f = *slot.field;
  ScalarWrite write = ScalarWrite::kTagged;
  if (slot.mode == Mode::kPacked) write = ScalarWrite::kUntagged;
  if (slot.mode == Mode::kField && !f.has_presence) {
    write = ScalarWrite::kSkipDefault;
  }
  absl::Status s = EncodeScalar(f, v, options_, write, out_);
  if (absl::IsNotFound(s) && options_.ignore_unknown_fields) {
    // An unknown enum name is skipped; in a map, with its whole entry.
    if (slot.mode == Mode::kMapValue) return DropMapEntry();
  } else if (!s.ok()) {
    return Fail(base::ToStd(s.message()));
  }
  ValueDone();
  return true;
}

bool JsonWireHandler::ScalarIntoMessageSlot(const Slot& slot,
                                            const JsonScalar& v) {
  const MessageCodec& codec = *slot.field->message;
  if (v.kind == Kind::kNull && codec.wkt() != WktKind::kValue) {
    if (slot.mode != Mode::kField) {
      return Fail(slot.mode == Mode::kRoot ? "expected object, got null"
                                           : "null is not allowed here");
    }
    ValueDone();
    return true;
  }
  if (!IsScalarWkt(codec)) {
    return Fail(absl::StrCat("expected object, got ", DescribeScalar(v)));
  }
  if (!CheckOneof(slot)) return false;
  OpenSlotRegion(slot);
  absl::Status s = EncodeWktScalar(codec, v, options_, out_);
  if (!s.ok()) return Fail(base::ToStd(s.message()));
  if (slot.mode != Mode::kRoot) CloseRegion();
  ValueDone();
  return true;
}

// ---- Containers ------------------------------------------------------------

bool JsonWireHandler::EnterContainer() {
  if (++depth_ > options_.max_depth) {
    return Fail(absl::StrCat("JSON nesting exceeds the maximum depth of ",
                             options_.max_depth));
  }
  if (skip_) {
    ++skip_depth_;
    return true;
  }
  return true;
}

bool JsonWireHandler::StartObject() {
  if (!EnterContainer()) return false;
  if (skip_) return true;
  Slot slot;
  if (!CurrentSlot(&slot)) return false;
  const FieldCodec& f = *slot.field;
  if (slot.mode == Mode::kField && f.is_map) {
    Frame frame{FrameKind::kMap};
    frame.field = &f;
    PushFrame(std::move(frame));
    return true;
  }
  if ((slot.mode == Mode::kField && f.repeated) || !IsMessage(f)) {
    return Fail(absl::StrCat("expected ",
                             f.repeated && slot.mode == Mode::kField
                                 ? "array"
                                 : FieldDescriptor::TypeName(f.type),
                             ", got object"));
  }
  if (!CheckOneof(slot)) return false;
  return StartMessage(slot);
}

bool JsonWireHandler::StartMessage(const Slot& slot) {
  const MessageCodec& codec = *slot.field->message;
  Frame frame{FrameKind::kMessage};
  switch (codec.wkt()) {
    case WktKind::kAny:
      return StartAny(slot);
    case WktKind::kStruct:
    case WktKind::kValue:
      OpenSlotRegion(slot);
      frame.kind = FrameKind::kMap;
      frame.regions = slot.mode == Mode::kRoot ? 0 : 1;
      if (codec.wkt() == WktKind::kValue) {
        const FieldCodec* sv = codec.FindByNumber(5);
        OpenRegion(sv->tag, false);
        ++frame.regions;
        frame.field = &sv->message->fields()[0];
      } else {
        frame.field = &codec.fields()[0];
      }
      PushFrame(std::move(frame));
      return true;
    case WktKind::kNone:
    case WktKind::kEmpty:
      OpenSlotRegion(slot);
      frame.codec = &codec;
      frame.regions = slot.mode == Mode::kRoot ? 0 : 1;
      PushFrame(std::move(frame));
      return true;
    default:
      return Fail(absl::StrCat("expected ", codec.full_name(),
                               " in its JSON form, got object"));
  }
}

bool JsonWireHandler::StartArray() {
  if (!EnterContainer()) return false;
  if (skip_) return true;
  Slot slot;
  if (!CurrentSlot(&slot)) return false;
  const FieldCodec& f = *slot.field;
  Frame frame{FrameKind::kRepeated};
  if (slot.mode == Mode::kField && f.repeated && !f.is_map) {
    frame.field = &f;
    if (f.packable && f.encode_packed) {
      OpenRegion(f.packed_tag, true);
      frame.packed = true;
      frame.regions = 1;
    }
    PushFrame(std::move(frame));
    return true;
  }
  const WktKind wkt = IsMessage(f) ? f.message->wkt() : WktKind::kNone;
  if (!(slot.mode == Mode::kField && f.is_map) &&
      (wkt == WktKind::kListValue || wkt == WktKind::kValue)) {
    if (!CheckOneof(slot)) return false;
    OpenSlotRegion(slot);
    frame.regions = slot.mode == Mode::kRoot ? 0 : 1;
    const MessageCodec* list = f.message;
    if (wkt == WktKind::kValue) {
      const FieldCodec* lv = f.message->FindByNumber(6);
      OpenRegion(lv->tag, false);
      ++frame.regions;
      list = lv->message;
    }
    frame.field = &list->fields()[0];
    PushFrame(std::move(frame));
    return true;
  }
  return Fail(absl::StrCat("expected ",
                           f.is_map       ? "object"
                           : IsMessage(f) ? "object"
                                          : FieldDescriptor::TypeName(f.type),
                           ", got array"));
}

bool JsonWireHandler::EndContainer() {
  --depth_;
  if (skip_) {
    if (--skip_depth_ == 0) {
      skip_ = false;
      ValueDone();
    }
    return true;
  }
  for (int i = frames_.back().regions; i > 0; --i) CloseRegion();
  frames_.pop_back();
  ValueDone();
  return true;
}

bool JsonWireHandler::EndObject(SizeType) { return EndContainer(); }
bool JsonWireHandler::EndArray(SizeType) { return EndContainer(); }

bool JsonWireHandler::Key(const char* str, SizeType length, bool) {
  if (skip_) return true;
  Frame& top = frames_.back();
  const std::string_view key(str, length);
  if (top.kind == FrameKind::kMap) return MapKey(top, key);
  return MessageKey(top, key);
}

bool JsonWireHandler::MessageKey(Frame& top, std::string_view key) {
  top.key.assign(key);
  if ((top.any || top.kind == FrameKind::kAnyWkt) && key == "@type") {
    skip_ = true;
    return true;
  }
  const FieldCodec* f = nullptr;
  if (top.kind == FrameKind::kAnyWkt) {
    if (key == "value") f = top.field;
  } else {
    f = top.codec->FindByJsonOrProtoName(key);
  }
  if (f == nullptr) {
    if (options_.ignore_unknown_fields) {
      skip_ = true;
      return true;
    }
    return Fail("unknown field");
  }
  if (top.kind == FrameKind::kAnyWkt) {
    if (!top.seen.empty()) return Fail("duplicate field");
    top.seen.push_back(true);
  } else {
    if (top.seen[f->index]) return Fail("duplicate field");
    top.seen[f->index] = true;
  }
  top.pending = f;
  return true;
}

bool JsonWireHandler::MapKey(Frame& top, std::string_view key) {
  top.key.assign(key);
  if (!top.keys.insert(top.key).second) return Fail("duplicate map key");
  OpenRegion(top.field->tag, false);
  const FieldCodec& key_field = top.field->message->fields()[0];
  absl::Status s = EncodeScalar(key_field, JsonScalar{Kind::kText, false, key},
                                options_, ScalarWrite::kTagged, out_);
  if (!s.ok()) return Fail(absl::StrCat("invalid map key: ", s.message()));
  return true;
}

}  // namespace protogate::transcoding
