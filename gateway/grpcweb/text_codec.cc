#include "gateway/grpcweb/text_codec.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::grpcweb {
namespace {

bool IsBase64Char(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' ||
         c == '/' || c == '=';
}

// A quantum is valid with padding only at its end: "xxxx", "xxx=", "xx==".
bool ValidPadding(std::string_view quantum) {
  const size_t pad = quantum.find('=');
  if (pad == std::string_view::npos) return true;
  if (pad < 2) return false;
  for (size_t i = pad; i < 4; ++i) {
    if (quantum[i] != '=') return false;
  }
  return true;
}

}  // namespace

absl::Status TextDecoder::Append(std::string_view text, std::string& out) {
  if (!failed_.ok()) return failed_;
  for (char c : text) {
    ++offset_;
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    if (!IsBase64Char(c)) {
      failed_ = absl::InvalidArgumentError(absl::StrCat(
          "grpc-web-text body: not base64 at offset ", offset_ - 1));
      return failed_;
    }
    quantum_.push_back(c);
  }
  // Decodes the whole quanta at once, one run per padded chunk.
  const size_t whole = quantum_.size() - quantum_.size() % 4;
  size_t run = 0;
  for (size_t i = 0; i < whole; i += 4) {
    const std::string_view quantum(quantum_.data() + i, 4);
    const bool padded = quantum.back() == '=';
    if (!ValidPadding(quantum)) {
      failed_ = absl::InvalidArgumentError(absl::StrCat(
          "grpc-web-text body: misplaced base64 padding before offset ",
          offset_));
      return failed_;
    }
    if (!padded && i + 4 < whole) continue;
    std::string decoded;
    if (!absl::Base64Unescape(
            base::ToAbsl(std::string_view(quantum_).substr(run, i + 4 - run)),
            &decoded)) {
      failed_ = absl::InvalidArgumentError(absl::StrCat(
          "grpc-web-text body: malformed base64 before offset ", offset_));
      return failed_;
    }
    out.append(decoded);
    run = i + 4;
  }
  quantum_.erase(0, whole);
  return absl::OkStatus();
}

absl::Status TextDecoder::Finish() const {
  if (!failed_.ok()) return failed_;
  if (!quantum_.empty()) {
    return absl::InvalidArgumentError(
        "grpc-web-text body: ends inside a base64 quantum");
  }
  return absl::OkStatus();
}

std::string EncodeText(std::string_view bytes) {
  return absl::Base64Escape(base::ToAbsl(bytes));
}

}  // namespace protogate::grpcweb
