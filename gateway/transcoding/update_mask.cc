#include "gateway/transcoding/update_mask.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gateway/transcoding/wire_format.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/reader.h"

namespace protogate::transcoding {
namespace {

// A SAX handler that walks the body JSON beside the codecs and records the
// path of every key, descending only into plain nested messages.
class MaskCollector
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, MaskCollector> {
 public:
  MaskCollector(const MessageCodec& root, const FieldCodec* skip)
      : root_(root), skip_(skip) {}

  bool Default() { return Scalar(); }
  bool StartObject() {
    if (opaque_ > 0) return ++opaque_ > 0;
    if (frames_.empty()) {
      frames_.push_back({&root_, ""});
      return true;
    }
    if (next_ == Next::kNested) {
      frames_.push_back({pending_->message, std::move(pending_path_)});
      next_ = Next::kNone;
      return true;
    }
    return EnterOpaque();
  }
  bool EndObject(rapidjson::SizeType) {
    if (opaque_ > 0) return --opaque_ >= 0;
    if (frames_.size() > 1 && !frames_.back().any_key) {
      Add(frames_.back().prefix);
    }
    frames_.pop_back();
    return true;
  }
  bool StartArray() { return opaque_ > 0 ? ++opaque_ > 0 : EnterOpaque(); }
  bool EndArray(rapidjson::SizeType) { return --opaque_ >= 0; }
  bool Key(const char* str, rapidjson::SizeType length, bool) {
    if (opaque_ > 0) return true;
    Frame& frame = frames_.back();
    frame.any_key = true;
    const FieldCodec* f =
        frame.codec->FindByJsonOrProtoName(std::string_view(str, length));
    if (f == nullptr || (f == skip_ && frames_.size() == 1)) {
      next_ = Next::kIgnore;
      return true;
    }
    pending_ = f;
    pending_path_ = frame.prefix.empty()
                        ? f->proto_name
                        : absl::StrCat(frame.prefix, ".", f->proto_name);
    bool nested = !f->repeated && f->message != nullptr &&
                  f->message->wkt() == WktKind::kNone &&
                  f->type == google::protobuf::FieldDescriptor::TYPE_MESSAGE;
    next_ = nested ? Next::kNested : Next::kLeaf;
    return true;
  }

  std::vector<std::string> TakePaths() { return std::move(paths_); }

 private:
  enum class Next { kNone, kIgnore, kLeaf, kNested };
  struct Frame {
    const MessageCodec* codec;
    std::string prefix;
    bool any_key = false;
  };

  bool Scalar() {
    if (opaque_ == 0 && (next_ == Next::kLeaf || next_ == Next::kNested)) {
      Add(pending_path_);
    }
    next_ = Next::kNone;
    return true;
  }
  // An object or array that is one value: recorded, not descended into.
  bool EnterOpaque() {
    Scalar();
    opaque_ = 1;
    return true;
  }
  void Add(const std::string& path) {
    if (seen_.insert(path).second) paths_.push_back(path);
  }

  const MessageCodec& root_;
  const FieldCodec* skip_;
  std::vector<Frame> frames_;
  int opaque_ = 0;
  Next next_ = Next::kNone;
  const FieldCodec* pending_ = nullptr;
  std::string pending_path_;
  std::vector<std::string> paths_;
  absl::flat_hash_set<std::string> seen_;
};

}  // namespace

void AppendUpdateMask(const MessageCodec& body_codec,
                      std::string_view body_json, const FieldCodec& mask_field,
                      const FieldCodec* skip, std::string* wire) {
  MaskCollector collector(body_codec, skip);
  rapidjson::MemoryStream stream(body_json.data(), body_json.size());
  rapidjson::Reader reader;
  reader.Parse<rapidjson::kParseIterativeFlag>(stream, collector);
  std::string mask;
  for (const std::string& path : collector.TakePaths()) {
    AppendLengthDelimited(0x0a, path, &mask);
  }
  AppendLengthDelimited(mask_field.tag, mask, wire);
}

}  // namespace protogate::transcoding
