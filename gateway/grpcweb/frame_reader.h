// FrameReader: splits a gRPC request body (or the decoded bytes of a
// gRPC-Web text body) into messages, incrementally: bytes go in as they
// arrive, whole messages come out. A frame is 1 flag byte, a 4-byte
// big-endian length and the message.
//
// Thread safety: one reader per body, used by one thread at a time.
//
// Example:
//   FrameReader reader({.max_message_bytes = 4 << 20});
//   std::vector<std::string> messages;
//   PG_RETURN_IF_ERROR(reader.Append(piece, messages));
//   ... at the body's end: PG_RETURN_IF_ERROR(reader.Finish());
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace protogate::grpcweb {

struct FrameReaderOptions {
  // A message over this many bytes is RESOURCE_EXHAUSTED.
  size_t max_message_bytes = 4 << 20;
};

class FrameReader {
 public:
  explicit FrameReader(FrameReaderOptions options) : options_(options) {}

  // Appends `bytes`; each message completed by them is appended to
  // `messages`. Errors (the reader then stays failed): UNIMPLEMENTED for a
  // compressed message (flag 0x01; the gateway accepts identity only),
  // INVALID_ARGUMENT for other flags (a trailer frame from a client),
  // RESOURCE_EXHAUSTED for a message over max_message_bytes, naming its
  // size and the limit.
  absl::Status Append(std::string_view bytes,
                      std::vector<std::string>& messages);

  // At the end of the body: INVALID_ARGUMENT when it ended inside a frame.
  absl::Status Finish() const;

  // Messages completed so far.
  size_t count() const { return count_; }

 private:
  absl::Status StartFrame();

  const FrameReaderOptions options_;
  std::string header_;      // The frame header bytes seen so far (< 5).
  std::string message_;     // The current message's bytes so far.
  uint64_t remaining_ = 0;  // Message bytes still to come.
  bool in_message_ = false;
  size_t count_ = 0;
  absl::Status failed_;
};

}  // namespace protogate::grpcweb
