#include "gateway/grpcweb/frame_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace protogate::grpcweb {
namespace {

// A length prefix alone reserves at most this much: the rest grows as the
// message's bytes arrive, so a 5-byte header cannot claim
// max_message_bytes of memory for a message that never comes.
constexpr uint64_t kMaxReserveBytes = 64 * 1024;

}  // namespace

absl::Status FrameReader::StartFrame() {
  const auto flags = static_cast<uint8_t>(header_[0]);
  uint64_t length = 0;
  for (int i = 1; i < 5; ++i) {
    length = (length << 8) | static_cast<uint8_t>(header_[i]);
  }
  header_.clear();
  if (flags == 0x01) {
    return absl::UnimplementedError(absl::StrCat(
        "request message ", count_ + 1,
        " is compressed; the gateway accepts uncompressed messages only "
        "(grpc-encoding: identity)"));
  }
  if (flags != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("request frame ", count_ + 1, ": unexpected flags 0x",
                     absl::Hex(flags, absl::kZeroPad2)));
  }
  if (length > options_.max_message_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "request message of ", length, " bytes exceeds the limit of ",
        options_.max_message_bytes, " bytes"));
  }
  remaining_ = length;
  in_message_ = true;
  message_.reserve(std::min(length, kMaxReserveBytes));
  return absl::OkStatus();
}

absl::Status FrameReader::Append(std::string_view bytes,
                                 std::vector<std::string>& messages) {
  if (!failed_.ok()) return failed_;
  while (true) {
    if (in_message_) {
      const size_t take =
          static_cast<size_t>(std::min<uint64_t>(remaining_, bytes.size()));
      message_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      remaining_ -= take;
      if (remaining_ > 0) return absl::OkStatus();
      messages.push_back(std::move(message_));
      message_.clear();
      in_message_ = false;
      ++count_;
    }
    if (bytes.empty()) return absl::OkStatus();
    const size_t take = std::min(5 - header_.size(), bytes.size());
    header_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (header_.size() < 5) return absl::OkStatus();
    failed_ = StartFrame();
    if (!failed_.ok()) return failed_;
  }
}

absl::Status FrameReader::Finish() const {
  if (!failed_.ok()) return failed_;
  if (in_message_ || !header_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request body ends inside message frame ", count_ + 1));
  }
  return absl::OkStatus();
}

}  // namespace protogate::grpcweb
