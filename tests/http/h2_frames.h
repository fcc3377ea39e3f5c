// Raw HTTP/2 frames for attack tests: builds frames byte by byte (so a test
// can send what no well-behaved client library would) and reads the
// server's frames back.
//
// Thread safety: stateless helpers; an H2FrameReader is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/http/raw_client.h"

namespace protogate::http::testing {

inline constexpr std::string_view kH2Preface =
    "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum H2FrameType : uint8_t {
  kData = 0,
  kHeaders = 1,
  kRstStream = 3,
  kSettings = 4,
  kPing = 6,
  kGoaway = 7,
  kWindowUpdate = 8,
  kContinuation = 9,
};
inline constexpr uint8_t kEndStream = 0x1;
inline constexpr uint8_t kEndHeaders = 0x4;
inline constexpr uint8_t kAck = 0x1;

inline std::string Frame(uint8_t type, uint8_t flags, uint32_t stream_id,
                         std::string_view payload) {
  std::string out;
  const size_t n = payload.size();
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((stream_id >> shift) & 0xff));
  }
  out.append(payload);
  return out;
}

inline std::string U32(uint32_t v) {
  std::string out;
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
  return out;
}

// A SETTINGS entry.
inline std::string Setting(uint16_t id, uint32_t value) {
  std::string out;
  out.push_back(static_cast<char>(id >> 8));
  out.push_back(static_cast<char>(id & 0xff));
  return out + U32(value);
}

// HPACK for GET / with :scheme http and :authority "h" (static table
// entries 2, 4, 6, and a literal for 1).
inline std::string GetRequestBlock() {
  return std::string("\x82\x84\x86\x41\x01h", 6);
}

// A literal header field without indexing, new name (HPACK 6.2.2); name and
// value shorter than 127 bytes.
inline std::string LiteralField(std::string_view name, std::string_view value) {
  std::string out("\x00", 1);
  out.push_back(static_cast<char>(name.size()));
  out.append(name);
  out.push_back(static_cast<char>(value.size()));
  out.append(value);
  return out;
}

struct H2Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  std::string payload;
  // RST_STREAM's or GOAWAY's error code.
  uint32_t ErrorCode() const {
    const size_t at = type == kGoaway ? 4 : 0;
    if (payload.size() < at + 4) return 0;
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) {
      v = (v << 8) | static_cast<uint8_t>(payload[at + i]);
    }
    return v;
  }
};

// Reads frames from a RawClient connection.
class H2FrameReader {
 public:
  explicit H2FrameReader(RawClient& client) : client_(client) {}
  // The next frame; nullopt on EOF, reset or timeout.
  std::optional<H2Frame> Next() {
    std::optional<std::string> head = client_.ReadBytes(9);
    if (!head.has_value()) return std::nullopt;
    H2Frame frame;
    const auto byte = [&](size_t i) {
      return static_cast<uint8_t>((*head)[i]);
    };
    const size_t length = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    frame.type = byte(3);
    frame.flags = byte(4);
    frame.stream_id =
        ((byte(5) & 0x7f) << 24) | (byte(6) << 16) | (byte(7) << 8) | byte(8);
    std::optional<std::string> payload = client_.ReadBytes(length);
    if (!payload.has_value()) return std::nullopt;
    frame.payload = std::move(*payload);
    return frame;
  }
  // Reads until a frame of `type` (on `stream_id`, unless 0 is given for a
  // connection frame); nullopt if the connection ends first.
  std::optional<H2Frame> NextOf(uint8_t type, uint32_t stream_id = 0) {
    while (std::optional<H2Frame> frame = Next()) {
      if (frame->type == type && frame->stream_id == stream_id) return frame;
    }
    return std::nullopt;
  }

 private:
  RawClient& client_;
};

}  // namespace protogate::http::testing
