#include "gateway/upstream/call_validation.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace protogate::upstream {
namespace {

constexpr absl::string_view kReservedKeys[] = {
    "te",         "content-type",      "host",
    "connection", "transfer-encoding", "keep-alive",
    "upgrade",    "proxy-connection"};

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
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
  for (absl::string_view reserved : kReservedKeys) {
    if (key == reserved) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata key \"", key, "\": reserved HTTP/2 header"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateValue(absl::string_view key, absl::string_view value) {
  if (absl::EndsWith(key, "-bin")) return absl::OkStatus();
  for (char c : value) {
    if (c < 0x20 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metadata \"", key,
          "\": value must be printable ASCII (use a -bin key for bytes)"));
    }
  }
  return absl::OkStatus();
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
