// The RapidJSON writers the wire printer writes with, plus bulk copies of
// text that needs no escaping (RapidJSON's RawValue copies byte by byte).
//
// Thread safety: one writer per output, used by one thread.
// Ownership: borrows the output buffer, as RapidJSON's writers do.
#pragma once

#include <cstring>
#include <string_view>

#include "gateway/transcoding/text_codecs.h"
#include "rapidjson/prettywriter.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::transcoding {

// Compact JSON (the hot path).
class CompactJsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Writer::Writer;

  // A point inside an open object or array to come back to.
  struct Mark {
    size_t bytes = 0;
    size_t levels = 0;
    size_t values = 0;
  };
  // REQUIRES: inside an object or array.
  Mark Here() {
    return {os_->GetSize(), level_stack_.GetSize(),
            level_stack_.Top<Level>()->valueCount};
  }
  // Drops what was written since `mark`, including containers opened since
  // and still open. REQUIRES: the container open at `mark` is still open.
  void Rewind(const Mark& mark) {
    os_->Pop(os_->GetSize() - mark.bytes);
    level_stack_.Pop<char>(level_stack_.GetSize() - mark.levels);
    level_stack_.Top<Level>()->valueCount = mark.values;
  }

  // Writes `json`, a complete value (or object key) of `type`, as is.
  void Raw(std::string_view json, rapidjson::Type type) {
    Prefix(type);
    std::memcpy(os_->Push(json.size()), json.data(), json.size());
    EndValue(true);
  }
  // RapidJSON's String and Key, except for strings its SSE2 scan would
  // write unescaped (HasRapidJsonSse2Miss), which are quoted here. (The
  // one-argument forms take constant ASCII keys.)
  using Writer::Key;
  using Writer::String;
  bool String(const Ch* s, rapidjson::SizeType n, bool copy = false) {
    if (HasRapidJsonSse2Miss({s, n})) {
      Raw(JsonQuoteEveryControl({s, n}), rapidjson::kStringType);
      return true;
    }
    return Writer::String(s, n, copy);
  }
  bool Key(const Ch* s, rapidjson::SizeType n, bool copy = false) {
    return String(s, n, copy);
  }
  // Writes `text`, which needs no escaping, as a JSON string.
  void PlainString(std::string_view text) {
    Prefix(rapidjson::kStringType);
    char* out = os_->Push(text.size() + 2);
    out[0] = '"';
    if (!text.empty()) std::memcpy(out + 1, text.data(), text.size());
    out[text.size() + 1] = '"';
    EndValue(true);
  }
};

// Indented JSON (a debugging option: RapidJSON's own paths suffice).
class PrettyJsonWriter
    : public rapidjson::PrettyWriter<rapidjson::StringBuffer> {
 public:
  using PrettyWriter::PrettyWriter;
  void Raw(std::string_view json, rapidjson::Type type) {
    RawValue(json.data(), json.size(), type);
  }
  // As CompactJsonWriter's.
  using PrettyWriter::Key;
  using PrettyWriter::String;
  bool String(const Ch* s, rapidjson::SizeType n, bool copy = false) {
    if (HasRapidJsonSse2Miss({s, n})) {
      Raw(JsonQuoteEveryControl({s, n}), rapidjson::kStringType);
      return true;
    }
    return PrettyWriter::String(s, n, copy);
  }
  bool Key(const Ch* s, rapidjson::SizeType n, bool copy = false) {
    return String(s, n, copy);
  }
  void PlainString(std::string_view text) {
    String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  }
};

}  // namespace protogate::transcoding
