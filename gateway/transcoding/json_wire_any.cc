// google.protobuf.Any in JSON -> wire (part of JsonWireHandler).
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/transcoding/json_wire_handler.h"
#include "gateway/transcoding/text_codecs.h"
#include "gateway/transcoding/wire_format.h"
#include "rapidjson/reader.h"

namespace protogate::transcoding {
namespace {

using SizeType = rapidjson::SizeType;

// Finds the top-level "@type" of one JSON object without building a DOM.
struct TypeScan {
  int depth = 0;
  int keys = 0;
  bool want = false;
  bool found = false;
  std::string type;

  bool Other() {
    want = false;
    return true;
  }
  bool Null() { return Other(); }
  bool Bool(bool) { return Other(); }
  bool Int(int) { return Other(); }
  bool Uint(unsigned) { return Other(); }
  bool Int64(int64_t) { return Other(); }
  bool Uint64(uint64_t) { return Other(); }
  bool Double(double) { return Other(); }
  bool RawNumber(const char*, SizeType, bool) { return Other(); }
  bool String(const char* s, SizeType len, bool) {
    if (want) {
      type.assign(s, len);
      found = true;
      return false;  // Done.
    }
    return true;
  }
  bool StartObject() {
    want = false;
    ++depth;
    return true;
  }
  bool Key(const char* s, SizeType len, bool) {
    want = depth == 1 && std::string_view(s, len) == "@type";
    if (depth == 1) ++keys;
    return true;
  }
  bool EndObject(SizeType) { return --depth > 0; }
  bool StartArray() { return StartObject(); }
  bool EndArray(SizeType) {
    --depth;
    return true;
  }
};

constexpr unsigned kScanFlags = rapidjson::kParseNumbersAsStringsFlag |
                                rapidjson::kParseIterativeFlag |
                                rapidjson::kParseStopWhenDoneFlag;

}  // namespace

bool JsonWireHandler::StartAny(const Slot& slot) {
  // The iterative parser reports StartObject before consuming '{'.
  size_t pos = stream_->Tell();
  if (pos < json_.size() && json_[pos] != '{' && pos > 0) --pos;
  if (pos >= json_.size() || json_[pos] != '{') return Unexpected();
  TypeScan scan;
  rapidjson::MemoryStream ms(json_.data() + pos, json_.size() - pos);
  rapidjson::Reader reader;
  reader.Parse<kScanFlags>(ms, scan);
  Frame frame{FrameKind::kMessage};
  frame.regions = slot.mode == Mode::kRoot ? 0 : 1;
  if (!scan.found) {
    if (scan.keys != 0) return Fail("missing \"@type\" in Any");
    OpenSlotRegion(slot);
    frame.codec = slot.field->message;
    PushFrame(std::move(frame));
    return true;
  }
  const std::string_view url = scan.type;
  // The scan decodes escapes itself: a lone "\udc00" yields bad UTF-8.
  if (!IsValidUtf8(url)) return Fail("invalid UTF-8 in \"@type\" of Any");
  const size_t slash = url.rfind('/');
  if (slash == std::string_view::npos) {
    return Fail(
        absl::StrCat("invalid type URL \"", base::ToAbsl(url), "\" in Any"));
  }
  const MessageCodec* target = codecs_.FindByName(url.substr(slash + 1));
  if (target == nullptr) {
    return Fail(
        absl::StrCat("unknown type \"", base::ToAbsl(url), "\" in Any"));
  }
  OpenSlotRegion(slot);
  AppendLengthDelimited(0x0a, url, out_);
  if (target->wkt() != WktKind::kNone) {
    frame.kind = FrameKind::kAnyWkt;
    frame.field = MakeSynthetic(2, target);
  } else {
    OpenRegion(0x12, true);
    ++frame.regions;
    frame.codec = target;
    frame.any = true;
  }
  PushFrame(std::move(frame));
  return true;
}

}  // namespace protogate::transcoding
