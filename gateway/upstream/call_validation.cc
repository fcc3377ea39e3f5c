#include "gateway/upstream/call_validation.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "gateway/base/byte_words.h"

namespace protogate::upstream {
namespace {

// Lower-case letters, digits, '-', '_' and '.', as a table: every key of
// every call is checked.
constexpr std::array<bool, 256> kKeyChars = [] {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  table['-'] = table['_'] = table['.'] = true;
  return table;
}();

bool IsKeyChar(char c) { return kKeyChars[static_cast<unsigned char>(c)]; }

// HTTP/2 headers a metadata key must not be ("te", "content-type", "host",
// "connection", "transfer-encoding", "keep-alive", "upgrade",
// "proxy-connection"), compared only with those of the key's length.
bool IsReservedKey(absl::string_view key) {
  switch (key.size()) {
    case 2:
      return key == "te";
    case 4:
      return key == "host";
    case 7:
      return key == "upgrade";
    case 10:
      return key == "connection" || key == "keep-alive";
    case 12:
      return key == "content-type";
    case 16:
      return key == "proxy-connection";
    case 17:
      return key == "transfer-encoding";
    default:
      return false;
  }
}

absl::Status ValidateMethod(absl::string_view method) {
  // "/" service "/" method, both non-empty.
  const size_t slash =
      method.size() > 1 ? method.find('/', 1) : absl::string_view::npos;
  if (method.empty() || method[0] != '/' || slash == absl::string_view::npos ||
      slash == 1 || slash + 1 == method.size() ||
      method.find('/', slash + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrFormat("method \"%s\": expected \"/package.Service/Method\"",
                        absl::CHexEscape(method)));
  }
  return absl::OkStatus();
}

absl::Status ValidateKey(absl::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError("metadata key must not be empty");
  }
  for (char c : key) {
    if (!IsKeyChar(c)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "metadata key \"%s\": only lower-case letters, digits, '-', '_' "
          "and '.' are allowed",
          absl::CHexEscape(key)));
    }
  }
  if (absl::StartsWith(key, "grpc-")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata key \"", key, "\": the grpc- prefix is reserved"));
  }
  if (IsReservedKey(key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("metadata key \"", key, "\": reserved HTTP/2 header"));
  }
  return absl::OkStatus();
}

bool AnyNonPrintableWord(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, sizeof(x));
  return base::AnyNonPrintableByte(x) != 0;
}

// Whether every byte of `value` is printable ASCII (0x20-0x7e), checked a
// word at a time: every value of every call is checked.
bool IsPrintableAscii(absl::string_view value) {
  const size_t size = value.size();
  if (size < 8) {
    for (char c : value) {
      if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
  }
  for (size_t i = 0; i + 8 < size; i += 8) {
    if (AnyNonPrintableWord(value.data() + i)) return false;
  }
  return !AnyNonPrintableWord(value.data() + size - 8);  // The last 8 bytes.
}

absl::Status ValidateValue(absl::string_view key, absl::string_view value) {
  if (absl::EndsWith(key, "-bin") || IsPrintableAscii(value)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "metadata \"", key,
      "\": value must be printable ASCII (use a -bin key for bytes)"));
}

}  // namespace

absl::Status ValidateCallRequest(const CallRequest& request) {
  return ValidateCall(request.method, request.metadata);
}

absl::Status ValidateCall(const std::string& method, const Metadata& metadata) {
  if (absl::Status s = ValidateMethod(method); !s.ok()) return s;
  for (const auto& [key, value] : metadata) {
    if (absl::Status s = ValidateKey(key); !s.ok()) return s;
    if (absl::Status s = ValidateValue(key, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace protogate::upstream
