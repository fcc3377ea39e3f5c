// Minimal protobuf wire-format writer and reader helpers.
//
// Thread safety: stateless functions; WireReader is a cheap cursor owned by
// one thread. Ownership: WireReader borrows its bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace protogate::transcoding {

enum WireType : uint32_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

inline void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline int VarintSize(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void AppendFixed32(uint32_t v, std::string* out) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 4);
}

inline void AppendFixed64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

inline uint64_t ZigZag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline uint32_t ZigZag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline int64_t UnZigZag64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}
inline int32_t UnZigZag32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

inline void AppendLengthDelimited(uint32_t tag, std::string_view bytes,
                                  std::string* out) {
  AppendVarint(tag, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

// Inserts the varint length of everything after `start` at `start`.
inline void CloseLength(size_t start, std::string* out) {
  const uint64_t len = out->size() - start;
  std::string prefix;
  AppendVarint(len, &prefix);
  out->insert(start, prefix);
}

// A cursor over wire-format bytes.
class WireReader {
 public:
  explicit WireReader(std::string_view bytes) : data_(bytes) {}

  bool done() const { return pos_ >= data_.size(); }

  bool ReadVarint(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && b > 1) return false;
      result |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *v = result;
        return true;
      }
    }
    return false;
  }

  bool ReadFixed32(uint32_t* v) {
    if (data_.size() - pos_ < 4) return false;
    uint32_t r = 0;
    for (int i = 3; i >= 0; --i) {
      r = (r << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    }
    pos_ += 4;
    *v = r;
    return true;
  }

  bool ReadFixed64(uint64_t* v) {
    if (data_.size() - pos_ < 8) return false;
    uint64_t r = 0;
    for (int i = 7; i >= 0; --i) {
      r = (r << 8) | static_cast<uint8_t>(data_[pos_ + i]);
    }
    pos_ += 8;
    *v = r;
    return true;
  }

  bool ReadLengthDelimited(std::string_view* v) {
    uint64_t len = 0;
    if (!ReadVarint(&len) || len > data_.size() - pos_) return false;
    *v = data_.substr(pos_, len);
    pos_ += len;
    return true;
  }

  // Reads a tag; fails on field number 0 or an invalid wire type.
  bool ReadTag(uint32_t* number, uint32_t* wire_type) {
    uint64_t tag = 0;
    if (!ReadVarint(&tag) || tag > 0xffffffffu) return false;
    *number = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7);
    return *number != 0 && *wire_type <= 5;
  }

  // Skips a field value of `wire_type` (groups are skipped recursively).
  bool Skip(uint32_t number, uint32_t wire_type, int depth = 0) {
    uint64_t v64;
    uint32_t v32;
    std::string_view bytes;
    switch (wire_type) {
      case kVarint:
        return ReadVarint(&v64);
      case kFixed64:
        return ReadFixed64(&v64);
      case kLengthDelimited:
        return ReadLengthDelimited(&bytes);
      case kFixed32:
        return ReadFixed32(&v32);
      case kStartGroup:
        return SkipGroup(number, depth);
      default:
        return false;
    }
  }

 private:
  bool SkipGroup(uint32_t number, int depth) {
    if (depth > 64) return false;
    while (!done()) {
      uint32_t n, wt;
      if (!ReadTag(&n, &wt)) return false;
      if (wt == kEndGroup) return n == number;
      if (!Skip(n, wt, depth + 1)) return false;
    }
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace protogate::transcoding
