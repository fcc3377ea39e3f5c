// grpc_web: a gRPC / gRPC-Web request body as the front end reads it
// (gateway/grpcweb): the base64 of application/grpc-web-text through
// TextDecoder, then the length-prefixed frames through FrameReader, whole
// (as the unary path reads a buffered body) and in pieces (as the
// client-streaming pump reads one arriving).
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/grpcweb/frame_reader.h"
#include "gateway/grpcweb/protocol.h"
#include "gateway/grpcweb/text_codec.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

// Far above what an input holds, so that a reader reserving memory on a
// length prefix alone allocates over libFuzzer's -malloc_limit_mb (64 MB in
// tools/fuzz.sh): a finding, as the issue counts allocations over 100x the
// input.
constexpr size_t kMaxMessageBytes = 256 << 20;

absl::Status Broken(std::string_view what) {
  return absl::InternalError(absl::StrCat("grpc_web: ", base::ToAbsl(what)));
}

// What a body decoded to: the bytes or messages, or the error's code.
template <typename T>
struct Outcome {
  absl::StatusCode code = absl::StatusCode::kOk;
  T value{};
  bool operator==(const Outcome&) const = default;
};

Outcome<std::string> DecodeText(std::string_view text, size_t piece) {
  grpcweb::TextDecoder decoder;
  Outcome<std::string> outcome;
  for (size_t at = 0; at < text.size(); at += piece) {
    absl::Status s = decoder.Append(text.substr(at, piece), outcome.value);
    if (!s.ok()) return {s.code(), {}};
  }
  if (absl::Status s = decoder.Finish(); !s.ok()) return {s.code(), {}};
  return outcome;
}

Outcome<std::vector<std::string>> ReadFrames(std::string_view bytes,
                                             size_t piece) {
  grpcweb::FrameReader reader({.max_message_bytes = kMaxMessageBytes});
  Outcome<std::vector<std::string>> outcome;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    absl::Status s = reader.Append(bytes.substr(at, piece), outcome.value);
    if (!s.ok()) return {s.code(), {}};
  }
  if (absl::Status s = reader.Finish(); !s.ok()) return {s.code(), {}};
  if (reader.count() != outcome.value.size()) {
    return {absl::StatusCode::kInternal, {}};  // Reported by the caller.
  }
  return outcome;
}

// Text: the same bytes or error whole and in pieces; only INVALID_ARGUMENT;
// at most 3 bytes per 4 characters; the bytes encode and decode back.
absl::Status CheckText(std::string_view text, size_t piece,
                       std::string& bytes) {
  const Outcome<std::string> whole = DecodeText(text, text.size() + 1);
  if (DecodeText(text, piece) != whole) {
    return Broken("the decoded text depends on how it arrived");
  }
  if (whole.code != absl::StatusCode::kOk) {
    if (whole.code != absl::StatusCode::kInvalidArgument) {
      return Broken("a text error is not INVALID_ARGUMENT");
    }
    return absl::OkStatus();
  }
  if (whole.value.size() > text.size() / 4 * 3) {
    return Broken("more bytes than the base64 holds");
  }
  if (DecodeText(grpcweb::EncodeText(whole.value), 7) != whole) {
    return Broken("the bytes do not round-trip through EncodeText");
  }
  bytes = whole.value;
  return absl::OkStatus();
}

// Frames: the same messages or error code whole and in pieces; an accepted
// body is exactly its messages framed again, each within the limit.
absl::Status CheckFrames(std::string_view bytes, size_t piece) {
  const Outcome<std::vector<std::string>> whole =
      ReadFrames(bytes, bytes.size() + 1);
  if (ReadFrames(bytes, piece) != whole) {
    return Broken("the messages depend on how the body arrived");
  }
  switch (whole.code) {
    case absl::StatusCode::kOk:
      break;
    case absl::StatusCode::kInvalidArgument:    // Bad flags, cut short.
    case absl::StatusCode::kUnimplemented:      // Compressed.
    case absl::StatusCode::kResourceExhausted:  // Over the limit.
      return absl::OkStatus();
    default:
      return Broken("a frame error with an unexpected code");
  }
  std::string framed;
  for (const std::string& message : whole.value) {
    if (message.size() > kMaxMessageBytes) {
      return Broken("accepted a message over the limit");
    }
    framed += grpcweb::MessageFrame(message);
  }
  if (framed != bytes) return Broken("the messages are not the body");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckGrpcWeb(std::string_view input) {
  if (input.empty()) return absl::OkStatus();
  const auto first = static_cast<unsigned char>(input[0]);
  const bool text = (first & 1) != 0;
  const size_t piece = 1 + (first >> 1);
  input.remove_prefix(1);
  std::string decoded;
  if (text) {
    if (absl::Status s = CheckText(input, piece, decoded); !s.ok()) return s;
    if (decoded.empty()) return absl::OkStatus();
    input = decoded;
  }
  return CheckFrames(input, piece);
}

}  // namespace protogate::fuzz
