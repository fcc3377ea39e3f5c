#include "gateway/config/yaml_scalar.h"

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gateway/base/strings.h"

namespace protogate::config {
namespace {

constexpr std::string_view kYamlTagPrefix = "tag:yaml.org,2002:";

bool AllOf(std::string_view s, bool (*pred)(unsigned char)) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsOctal(unsigned char c) { return c >= '0' && c <= '7'; }
bool IsHex(unsigned char c) { return absl::ascii_isxdigit(c); }

bool IsNull(std::string_view s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<std::string> ResolveBool(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return "true";
  if (s == "false" || s == "False" || s == "FALSE") return "false";
  return std::nullopt;
}

std::string_view StripSign(std::string_view s, bool* negative) {
  *negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

std::string StripLeadingZeros(std::string_view digits) {
  size_t i = 0;
  while (i + 1 < digits.size() && digits[i] == '0') ++i;
  return std::string(digits.substr(i));
}

// Parses base-8 or base-16 digits; nullopt on overflow.
std::optional<uint64_t> ParseRadix(std::string_view digits, int radix) {
  uint64_t v = 0;
  for (char c : digits) {
    const int d = IsDigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
    if (v > (UINT64_MAX - d) / radix) return std::nullopt;
    v = v * radix + d;
  }
  return v;
}

// Integer forms of the core schema. Sets *overflow for too large hex/octal.
std::optional<std::string> ResolveInt(std::string_view s, bool* overflow) {
  *overflow = false;
  int radix = 0;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'o' &&
      AllOf(s.substr(2), IsOctal)) {
    radix = 8;
  } else if (s.size() > 2 && s[0] == '0' && s[1] == 'x' &&
             AllOf(s.substr(2), IsHex)) {
    radix = 16;
  }
  if (radix != 0) {
    std::optional<uint64_t> v = ParseRadix(s.substr(2), radix);
    if (!v.has_value()) *overflow = true;
    return v.has_value() ? std::optional(absl::StrCat(*v)) : std::nullopt;
  }
  bool negative = false;
  std::string_view digits = StripSign(s, &negative);
  if (!AllOf(digits, IsDigit)) return std::nullopt;
  std::string out = StripLeadingZeros(digits);
  return (negative && out != "0") ? "-" + out : out;
}

// The float form [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?.
std::optional<std::string> ResolveFloat(std::string_view s) {
  bool negative = false;
  std::string_view rest = StripSign(s, &negative);
  size_t i = 0;
  while (i < rest.size() && IsDigit(rest[i])) ++i;
  std::string_view int_part = rest.substr(0, i);
  std::string_view frac_part;
  if (i < rest.size() && rest[i] == '.') {
    size_t j = i + 1;
    while (j < rest.size() && IsDigit(rest[j])) ++j;
    frac_part = rest.substr(i + 1, j - i - 1);
    i = j;
  }
  if (int_part.empty() && frac_part.empty()) return std::nullopt;
  std::string_view exponent = rest.substr(i);
  if (!exponent.empty()) {
    if (exponent[0] != 'e' && exponent[0] != 'E') return std::nullopt;
    std::string_view e = exponent.substr(1);
    if (!e.empty() && (e[0] == '-' || e[0] == '+')) e.remove_prefix(1);
    if (!AllOf(e, IsDigit)) return std::nullopt;
  }
  std::string out = negative ? "-" : "";
  absl::StrAppend(&out, int_part.empty() ? "0" : StripLeadingZeros(int_part));
  if (!frac_part.empty()) absl::StrAppend(&out, ".", base::ToAbsl(frac_part));
  absl::StrAppend(&out, base::ToAbsl(exponent));
  return out;
}

std::optional<std::string> ResolveSpecialFloat(std::string_view s) {
  bool negative = false;
  std::string_view rest = StripSign(s, &negative);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") {
    return negative ? "\"-Infinity\"" : "\"Infinity\"";
  }
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return "\"NaN\"";
  return std::nullopt;
}

absl::StatusOr<std::optional<std::string>> ResolveNumber(std::string_view s) {
  bool overflow = false;
  std::optional<std::string> n = ResolveInt(s, &overflow);
  if (overflow) {
    return absl::InvalidArgumentError(
        absl::StrCat("integer ", base::ToAbsl(s), " is out of range"));
  }
  if (!n.has_value()) n = ResolveFloat(s);
  if (!n.has_value()) n = ResolveSpecialFloat(s);
  return n;
}

absl::StatusOr<std::string> ResolvePlain(std::string_view s) {
  if (IsNull(s)) return std::string("null");
  if (std::optional<std::string> b = ResolveBool(s)) return *b;
  absl::StatusOr<std::optional<std::string>> n = ResolveNumber(s);
  if (!n.ok()) return n.status();
  if (n->has_value()) return **n;
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

absl::Status TagMismatch(std::string_view tag, std::string_view s) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "\"%s\" is not a valid !!%s", base::ToAbsl(s), base::ToAbsl(tag)));
}

absl::StatusOr<std::string> ResolveTagged(std::string_view type,
                                          std::string_view s) {
  if (type == "null") {
    if (IsNull(s)) return std::string("null");
  } else if (type == "bool") {
    if (std::optional<std::string> b = ResolveBool(s)) return *b;
  } else if (type == "int" || type == "float") {
    bool overflow = false;
    std::optional<std::string> n = ResolveInt(s, &overflow);
    if (overflow) return ResolveNumber(s).status();
    if (!n.has_value() && type == "float") n = ResolveFloat(s);
    if (!n.has_value() && type == "float") n = ResolveSpecialFloat(s);
    if (n.has_value()) return *n;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported tag \"!!", base::ToAbsl(type), "\""));
  }
  return TagMismatch(type, s);
}

}  // namespace

absl::StatusOr<std::string> ScalarToJson(std::string_view tag,
                                         std::string_view value) {
  if (tag == "?") return ResolvePlain(value);
  const bool core = tag.substr(0, kYamlTagPrefix.size()) == kYamlTagPrefix;
  const std::string_view type =
      core ? tag.substr(kYamlTagPrefix.size()) : std::string_view();
  if (tag == "!" || type == "str") {
    std::string out;
    AppendJsonString(value, &out);
    return out;
  }
  if (!core) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported tag \"", base::ToAbsl(tag), "\""));
  }
  return ResolveTagged(type, value);
}

void AppendJsonString(std::string_view value, std::string* out) {
  out->push_back('"');
  for (char c : value) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

}  // namespace protogate::config
