#include "gateway/transcoding/text_codecs.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "gateway/base/byte_words.h"
#include "gateway/base/strings.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::transcoding {
namespace {

constexpr char kBase64Chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

}  // namespace

void Base64Encode(std::string_view bytes, std::string* out) {
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6)
      out->push_back(kBase64Chars[(v >> s) & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return;
  uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
  if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
  out->push_back(kBase64Chars[(v >> 18) & 63]);
  out->push_back(kBase64Chars[(v >> 12) & 63]);
  out->push_back(rest == 2 ? kBase64Chars[(v >> 6) & 63] : '=');
  out->push_back('=');
}

bool Base64Decode(std::string_view text, std::string* out) {
  size_t len = text.size();
  if (len % 4 == 0 && len > 0 && text[len - 1] == '=') {
    --len;
    if (text[len - 1] == '=') --len;
  }
  if (len % 4 == 1) return false;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int v = Base64Value(text[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

namespace {

bool IsPlainByte(uint8_t c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

}  // namespace

bool IsPlainJsonAscii(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  for (; n - i >= 8; i += 8) {
    uint64_t x;
    std::memcpy(&x, s.data() + i, sizeof(x));
    if (((x & base::kByteHighs) | base::AnyJsonEscapedByte(x)) != 0) {
      return false;
    }
  }
  for (; i < n; ++i) {
    if (!IsPlainByte(static_cast<uint8_t>(s[i]))) return false;
  }
  return true;
}

bool HasRapidJsonSse2Miss(std::string_view s) {
  for (char c : s) {
    if (c >= 0x1a && c <= 0x1f) return true;
  }
  return false;
}

std::string JsonQuoteEveryControl(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + 8);
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string JsonQuote(std::string_view s) {
  if (HasRapidJsonSse2Miss(s)) return JsonQuoteEveryControl(s);
  // Load-time only: RapidJSON's own writer, so keys escape as values do.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (n - i >= 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof(word));
      if ((word & 0x8080808080808080u) != 0) break;
      i += 8;
    }
    if (i >= n) break;
    const uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i <= static_cast<size_t>(extra)) return false;
    for (int k = 1; k <= extra; ++k) {
      const uint8_t cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
    i += extra + 1;
  }
  return true;
}

bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&]() {
    const size_t start = i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

namespace {

// True for "-?digits" (no fraction, no exponent).
bool IsPlainInteger(std::string_view s) {
  return s.find_first_of(".eE") == std::string_view::npos;
}

// Parses a JSON number as an integral double (for "1e3" or "5.0").
bool IntegralDouble(std::string_view s, double* d) {
  if (!ParseJsonDouble(s, false, d)) return false;
  return std::isfinite(*d) && std::trunc(*d) == *d;
}

}  // namespace

bool ParseJsonInt64(std::string_view s, int64_t min, int64_t max, int64_t* v) {
  if (!IsJsonNumber(s)) return false;
  int64_t r;
  if (!absl::SimpleAtoi(base::ToAbsl(s), &r)) {
    if (IsPlainInteger(s)) return false;  // Out of range.
    double d;
    if (!IntegralDouble(s, &d) || d < -9223372036854775808.0 ||
        d >= 9223372036854775808.0) {
      return false;
    }
    r = static_cast<int64_t>(d);
  }
  if (r < min || r > max) return false;
  *v = r;
  return true;
}

bool ParseJsonUint64(std::string_view s, uint64_t max, uint64_t* v) {
  if (!IsJsonNumber(s)) return false;
  uint64_t r;
  if (s[0] == '-' || !absl::SimpleAtoi(base::ToAbsl(s), &r)) {
    if (IsPlainInteger(s) && s != "-0") return false;  // Out of range.
    double d;
    if (!IntegralDouble(s, &d) || d < 0 || d >= 18446744073709551616.0) {
      return false;
    }
    r = static_cast<uint64_t>(d);
  }
  if (r > max) return false;
  *v = r;
  return true;
}

bool ParseJsonDouble(std::string_view s, bool allow_special, double* v) {
  if (allow_special) {
    if (s == "NaN") {
      *v = std::numeric_limits<double>::quiet_NaN();
      return true;
    }
    if (s == "Infinity" || s == "-Infinity") {
      *v = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
      return true;
    }
  }
  if (!IsJsonNumber(s)) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (std::isinf(d)) return false;  // Overflow such as 1e999.
  *v = d;
  return true;
}

namespace {

// printf("%.<precision>g", v): std::to_chars with a precision is specified
// to print exactly that, without printf's locale and multi-precision cost.
std::string_view FormatG(double v, int precision, char (&buf)[32]) {
  const std::to_chars_result r = std::to_chars(
      buf, buf + sizeof(buf), v, std::chars_format::general, precision);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

// Whether `text` reads back as `v` (T is float or double).
template <typename T>
bool RoundTrips(std::string_view text, T v) {
  T back;
  const std::from_chars_result r =
      std::from_chars(text.data(), text.data() + text.size(), back);
  if (r.ec == std::errc()) return back == v;
  // Out of range for from_chars (e.g. subnormals): ask strtod as before.
  const std::string copy(text);
  if constexpr (sizeof(T) == sizeof(float)) {
    return std::strtof(copy.c_str(), nullptr) == v;
  } else {
    return std::strtod(copy.c_str(), nullptr) == v;
  }
}

}  // namespace

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  // As libprotobuf: 15 significant digits when they round-trip, else 17.
  std::string_view text = FormatG(v, 15, buf);
  if (!RoundTrips(text, v)) text = FormatG(v, 17, buf);
  return std::string(text);
}

std::string FormatFloat(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  // As libprotobuf: 6 significant digits when they round-trip, else 9.
  std::string_view text = FormatG(static_cast<double>(v), 6, buf);
  if (!RoundTrips(text, v)) text = FormatG(static_cast<double>(v), 9, buf);
  return std::string(text);
}

bool FieldMaskPathToJson(std::string_view path, std::string* out) {
  if (path.empty()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (absl::ascii_isupper(c) || c == ',') return false;
    if (c == '_') {
      if (i + 1 >= path.size() || !absl::ascii_islower(path[i + 1])) {
        return false;
      }
      out->push_back(absl::ascii_toupper(path[++i]));
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool FieldMaskPathFromJson(std::string_view path, std::string* out) {
  for (char c : path) {
    if (c == '_') return false;
    if (absl::ascii_isupper(c)) {
      out->push_back('_');
      out->push_back(absl::ascii_tolower(c));
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace protogate::transcoding
