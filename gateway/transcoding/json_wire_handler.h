// JsonWireHandler: the RapidJSON SAX handler behind JsonToWire. It keeps a
// stack of frames (message, repeated field, map) and writes protobuf wire
// format as events arrive; lengths of nested messages are back-patched.
//
// Thread safety: one handler per parse, used by one thread.
// Ownership: borrows the codecs, options, input and output for its lifetime.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "gateway/transcoding/codec_set.h"
#include "gateway/transcoding/json_scalar.h"
#include "gateway/transcoding/message_codec.h"
#include "gateway/transcoding/options.h"
#include "rapidjson/memorystream.h"
#include "rapidjson/rapidjson.h"

namespace protogate::transcoding {

class JsonWireHandler {
 public:
  using SizeType = rapidjson::SizeType;

  JsonWireHandler(const CodecSet& codecs, const ParseOptions& options,
                  std::string* out);

  // Parses `json` as a whole message of `codec`'s type.
  absl::Status ParseMessage(const MessageCodec& codec, std::string_view json);
  // Parses `json` as the value of `field` (tag + value appended).
  absl::Status ParseField(const FieldCodec& field, std::string_view json);

  // RapidJSON handler interface.
  bool Null();
  bool Bool(bool b);
  bool Int(int) { return Unexpected(); }
  bool Uint(unsigned) { return Unexpected(); }
  bool Int64(int64_t) { return Unexpected(); }
  bool Uint64(uint64_t) { return Unexpected(); }
  bool Double(double) { return Unexpected(); }
  bool RawNumber(const char* str, SizeType length, bool copy);
  bool String(const char* str, SizeType length, bool copy);
  bool StartObject();
  bool Key(const char* str, SizeType length, bool copy);
  bool EndObject(SizeType member_count);
  bool StartArray();
  bool EndArray(SizeType element_count);

 private:
  enum class Mode { kRoot, kField, kElement, kPacked, kMapValue };
  struct Slot {
    const FieldCodec* field = nullptr;
    Mode mode = Mode::kRoot;
  };
  enum class FrameKind { kMessage, kRepeated, kMap, kAnyWkt };
  struct Frame {
    FrameKind kind = FrameKind::kMessage;
    const MessageCodec* codec = nullptr;  // kMessage: the message.
    const FieldCodec* field = nullptr;    // kRepeated/kMap: the field;
                                          // kAnyWkt: the value field.
    const FieldCodec* pending = nullptr;  // Field whose value comes next.
    std::string key;                      // Current key, for error paths.
    int index = 0;                        // Current element (kRepeated).
    int regions = 0;                      // Length regions to close at end.
    bool packed = false;
    bool any = false;  // kMessage inside an Any: "@type" is skipped.
    std::vector<bool> seen;
    std::vector<int> oneof_set;
    absl::flat_hash_set<std::string> keys;  // kMap: keys seen.
  };
  struct Region {
    size_t tag_pos;
    size_t start;
    bool drop_if_empty;
  };

  absl::Status Run(std::string_view json);
  bool Unexpected();
  bool Fail(std::string_view message);
  std::string Path() const;
  bool CurrentSlot(Slot* slot);
  bool Scalar(const JsonScalar& v);
  bool WriteScalar(const Slot& slot, const JsonScalar& v);
  bool ScalarIntoMessageSlot(const Slot& slot, const JsonScalar& v);
  bool CheckOneof(const Slot& slot);
  bool StartMessage(const Slot& slot);
  bool StartAny(const Slot& slot);
  bool MessageKey(Frame& top, std::string_view key);
  bool MapKey(Frame& top, std::string_view key);
  bool EndContainer();
  bool EnterContainer();
  void PushFrame(Frame frame);
  void ValueDone();
  bool DropMapEntry();
  void OpenRegion(uint32_t tag, bool drop_if_empty);
  void OpenSlotRegion(const Slot& slot);
  void CloseRegion();
  const FieldCodec* MakeSynthetic(uint32_t number, const MessageCodec* codec);

  const CodecSet& codecs_;
  const ParseOptions& options_;
  std::string* out_;
  std::string_view json_;
  const rapidjson::MemoryStream* stream_ = nullptr;
  Slot root_;
  std::string root_name_;  // Path prefix for ParseField.
  bool root_done_ = false;
  std::vector<Frame> frames_;
  std::vector<Region> region_stack_;
  std::deque<FieldCodec> synthetic_;
  int depth_ = 0;
  bool skip_ = false;   // The next value is skipped.
  int skip_depth_ = 0;  // Containers open inside the skipped value.
  absl::Status status_;
};

}  // namespace protogate::transcoding
