#include "gateway/routing/percent_encoding.h"

namespace protogate::routing {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char DecodeEscape(std::string_view text, size_t pos) {
  return static_cast<char>(HexValue(text[pos + 1]) * 16 +
                           HexValue(text[pos + 2]));
}

void AppendEscaped(char c, std::string* out) {
  const auto byte = static_cast<unsigned char>(c);
  out->push_back('%');
  out->push_back(kHexDigits[byte >> 4]);
  out->push_back(kHexDigits[byte & 0xF]);
}

}  // namespace

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

bool IsPlainPathChar(char c) {
  if (IsUnreserved(c)) return true;
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
    case ':':
    case '@':
      return true;
    default:
      return false;
  }
}

bool NeedsCanonicalization(std::string_view text) {
  for (char c : text) {
    if (!IsPlainPathChar(c)) return true;
  }
  return false;
}

void AppendCanonical(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const char decoded = DecodeEscape(text, i);
      if (IsUnreserved(decoded)) {
        out->push_back(decoded);
      } else {
        AppendEscaped(decoded, out);
      }
      i += 2;
    } else if (IsPlainPathChar(c)) {
      out->push_back(c);
    } else {
      AppendEscaped(c, out);
    }
  }
}

size_t FindMalformedEscape(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2])) {
      return i;
    }
    i += 2;
  }
  return std::string_view::npos;
}

void AppendDecoded(std::string_view text, SlashEscapes slashes,
                   std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out->push_back(text[i]);
      continue;
    }
    const char decoded = DecodeEscape(text, i);
    if (decoded == '/' && slashes == SlashEscapes::kKeepEncoded) {
      out->append(text.substr(i, 3));
    } else {
      out->push_back(decoded);
    }
    i += 2;
  }
}

}  // namespace protogate::routing
