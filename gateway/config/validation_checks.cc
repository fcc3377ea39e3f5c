#include "gateway/config/validation_checks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gateway/base/strings.h"

namespace protogate::config {
namespace {

using ::protogate::base::ToAbsl;

constexpr int64_t kMaxDurationSeconds = 315576000000;

bool IsHostChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_';
}

bool IsValidHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    for (char c : host.substr(1, host.size() - 2)) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c)) && c != ':' &&
          c != '.') {
        return false;
      }
    }
    return true;
  }
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    if (!IsHostChar(c)) return false;
  }
  return host.front() != '.' && host.front() != '-';
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || absl::ascii_isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsTokenChar(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         kSpecials.find(c) != std::string_view::npos;
}

}  // namespace

absl::Status ConfigPathError(std::string_view path, std::string_view message) {
  return absl::FailedPreconditionError(
      absl::StrCat(ToAbsl(path), ": ", ToAbsl(message)));
}

std::string Index(std::string_view path, int i) {
  return absl::StrCat(ToAbsl(path), "[", i, "]");
}

std::string Field(std::string_view path, std::string_view field) {
  if (path.empty()) return std::string(field);
  return absl::StrCat(ToAbsl(path), ".", ToAbsl(field));
}

absl::Status CheckHostPort(std::string_view path, std::string_view value,
                           PortRule rule) {
  const size_t colon = value.rfind(':');
  const auto bad = [&] {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is not host:port", ToAbsl(value)));
  };
  if (colon == std::string_view::npos) return bad();
  const std::string_view host = value.substr(0, colon);
  const std::string_view port_text = value.substr(colon + 1);
  uint32_t port = 0;
  if (!IsValidHost(host) || port_text.empty() || port_text.size() > 5 ||
      !absl::c_all_of(port_text, absl::ascii_isdigit) ||
      !absl::SimpleAtoi(ToAbsl(port_text), &port)) {
    return bad();
  }
  if (port > 65535) {
    return ConfigPathError(
        path, absl::StrFormat("port of \"%s\" is out of range (0 to 65535)",
                              ToAbsl(value)));
  }
  if (port == 0 && rule == PortRule::kNonZero) {
    return ConfigPathError(
        path, absl::StrFormat("port of \"%s\" must not be 0", ToAbsl(value)));
  }
  return absl::OkStatus();
}

absl::Status CheckDuration(std::string_view path,
                           const google::protobuf::Duration& d,
                           DurationRule rule) {
  const int64_t s = d.seconds();
  const int32_t n = d.nanos();
  if (s < -kMaxDurationSeconds || s > kMaxDurationSeconds || n <= -1000000000 ||
      n >= 1000000000 || (s > 0 && n < 0) || (s < 0 && n > 0)) {
    return ConfigPathError(path, "invalid duration");
  }
  const bool negative = s < 0 || n < 0;
  const bool zero = s == 0 && n == 0;
  if (negative || (zero && rule == DurationRule::kPositive)) {
    return ConfigPathError(path, rule == DurationRule::kPositive
                                     ? "must be positive"
                                     : "must not be negative");
  }
  return absl::OkStatus();
}

absl::Status CheckDottedName(std::string_view path, std::string_view value) {
  for (absl::string_view part : absl::StrSplit(ToAbsl(value), '.')) {
    if (!IsIdentifier(base::ToStd(part))) {
      return ConfigPathError(
          path, absl::StrFormat("\"%s\" is not a dotted protobuf name",
                                ToAbsl(value)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckReadableFile(std::string_view path, std::string_view file) {
  if (file.empty()) return ConfigPathError(path, "empty file name");
  struct stat st;
  const std::string name(file);
  if (::stat(name.c_str(), &st) != 0) {
    return ConfigPathError(
        path, absl::StrFormat("file \"%s\" does not exist", ToAbsl(file)));
  }
  if (!S_ISREG(st.st_mode)) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is not a regular file", ToAbsl(file)));
  }
  if (::access(name.c_str(), R_OK) != 0) {
    return ConfigPathError(
        path, absl::StrFormat("file \"%s\" is not readable", ToAbsl(file)));
  }
  return absl::OkStatus();
}

absl::Status CheckHeaderName(std::string_view path, std::string_view name) {
  if (name.empty() || !absl::c_all_of(name, IsTokenChar)) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is not a header name", ToAbsl(name)));
  }
  return absl::OkStatus();
}

absl::Status CheckRange(std::string_view path, int64_t value, int64_t min,
                        int64_t max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return ConfigPathError(
      path, absl::StrFormat("%d is out of range (%d to %d)", value, min, max));
}

absl::Status CheckDoubleRange(std::string_view path, double value, double min,
                              double max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return ConfigPathError(
      path, absl::StrCat(value, " is out of range (", min, " to ", max, ")"));
}

absl::Status CheckAtMost(std::string_view path, uint64_t value, uint64_t max) {
  if (value <= max) return absl::OkStatus();
  return ConfigPathError(
      path, absl::StrFormat("%d is larger than the maximum %d", value, max));
}

}  // namespace protogate::config
