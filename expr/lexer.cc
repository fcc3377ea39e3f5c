#include "expr/lexer.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::expr {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The byte a one-character escape (`\n`, `\"`...) stands for; nullopt for
// the escapes that take digits, and for unknown ones.
std::optional<char> SimpleEscape(char c) {
  switch (c) {
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    case '\\':
    case '?':
    case '"':
    case '\'':
    case '`':
      return c;
    default:
      return std::nullopt;
  }
}

}  // namespace

absl::Status Lexer::Error(int at, std::string_view what) const {
  return absl::InvalidArgumentError(absl::StrCat(at, ": ", base::ToAbsl(what)));
}

bool IsReserved(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "as",        "break",  "const",  "continue", "else", "for",
      "function",  "if",     "import", "let",      "loop", "package",
      "namespace", "return", "var",    "void",     "while"};
  for (std::string_view w : kWords) {
    if (s == w) return true;
  }
  return false;
}

void Lexer::SkipSpace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++pos_;
    } else if (c == '/' && Peek(1) == '/') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      return;
    }
  }
}

absl::Status Lexer::Number(Token* tok) {
  const size_t start = pos_;
  if (Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
    pos_ += 2;
    while (absl::ascii_isxdigit(Peek())) ++pos_;
    tok->kind = Tok::kInt;
  } else {
    bool is_double = false;
    while (absl::ascii_isdigit(Peek())) ++pos_;
    if (Peek() == '.' && absl::ascii_isdigit(Peek(1))) {
      is_double = true;
      ++pos_;
      while (absl::ascii_isdigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      size_t save = pos_++;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!absl::ascii_isdigit(Peek())) {
        pos_ = save;
      } else {
        is_double = true;
        while (absl::ascii_isdigit(Peek())) ++pos_;
      }
    }
    tok->kind = is_double ? Tok::kDouble : Tok::kInt;
  }
  tok->text = std::string(text_.substr(start, pos_ - start));
  if (tok->kind == Tok::kInt && (Peek() == 'u' || Peek() == 'U')) {
    ++pos_;
    tok->kind = Tok::kUint;
  }
  if (absl::ascii_isalnum(Peek()) || Peek() == '_') {
    return Error(static_cast<int>(start), "malformed number");
  }
  return absl::OkStatus();
}

absl::Status Lexer::Escape(bool bytes, std::string* out) {
  const int at = static_cast<int>(pos_);
  const char c = Peek();
  ++pos_;
  if (std::optional<char> simple = SimpleEscape(c)) {
    out->push_back(*simple);
    return absl::OkStatus();
  }
  uint32_t v = 0;
  switch (c) {
    case 'x':
    case 'X':
      if (!HexDigits(2, &v)) return Error(at, "bad \\x escape");
      break;
    case 'u':
      if (bytes || !HexDigits(4, &v)) return Error(at, "bad \\u escape");
      break;
    case 'U':
      if (bytes || !HexDigits(8, &v)) return Error(at, "bad \\U escape");
      break;
    case '0':
    case '1':
    case '2':
    case '3':
      if (!OctalDigits(c, &v)) return Error(at, "bad octal escape");
      break;
    default:
      return Error(at, "unknown escape");
  }
  if (bytes) {
    out->push_back(static_cast<char>(v));
    return absl::OkStatus();
  }
  if ((v >= 0xD800 && v < 0xE000) || v > 0x10FFFF) {
    return Error(at, "escape is not a valid code point");
  }
  AppendUtf8(v, out);
  return absl::OkStatus();
}

bool Lexer::HexDigits(int n, uint32_t* v) {
  *v = 0;
  for (int i = 0; i < n; ++i) {
    const char h = Peek();
    if (!absl::ascii_isxdigit(h)) return false;
    *v = *v * 16 +
         (absl::ascii_isdigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10);
    ++pos_;
  }
  return true;
}

bool Lexer::OctalDigits(char first, uint32_t* v) {
  *v = first - '0';
  for (int i = 0; i < 2; ++i) {
    if (Peek() < '0' || Peek() > '7') return false;
    *v = *v * 8 + (Peek() - '0');
    ++pos_;
  }
  return true;
}

absl::Status Lexer::Quoted(Token* tok, bool raw, bool bytes) {
  const int start = static_cast<int>(pos_);
  const char q = Peek();
  const bool triple = Peek(1) == q && Peek(2) == q;
  pos_ += triple ? 3 : 1;
  std::string out;
  while (true) {
    if (pos_ >= text_.size()) return Error(start, "unterminated string");
    const char c = text_[pos_];
    if (c == q && (!triple || (Peek(1) == q && Peek(2) == q))) {
      pos_ += triple ? 3 : 1;
      break;
    }
    if (!triple && (c == '\n' || c == '\r')) {
      return Error(start, "newline in string");
    }
    if (c == '\\' && !raw) {
      ++pos_;
      absl::Status st = Escape(bytes, &out);
      if (!st.ok()) return st;
      continue;
    }
    out.push_back(c);
    ++pos_;
  }
  tok->kind = bytes ? Tok::kBytes : Tok::kString;
  tok->text = std::move(out);
  return absl::OkStatus();
}

absl::Status Lexer::Next(Token* tok) {
  SkipSpace();
  tok->position = static_cast<int>(pos_);
  tok->text.clear();
  if (pos_ >= text_.size()) {
    tok->kind = Tok::kEof;
    return absl::OkStatus();
  }
  const char c = Peek();
  if (absl::ascii_isdigit(c) || (c == '.' && absl::ascii_isdigit(Peek(1)))) {
    return Number(tok);
  }
  if (absl::ascii_isalpha(c) || c == '_') {
    // String prefixes: r, b, rb, br (any case).
    size_t n = 0;
    bool raw = false, bytes = false;
    while (n < 2) {
      const char p = absl::ascii_tolower(Peek(n));
      if (p == 'r' && !raw) {
        raw = true;
      } else if (p == 'b' && !bytes) {
        bytes = true;
      } else {
        break;
      }
      ++n;
    }
    if (n > 0 && (Peek(n) == '"' || Peek(n) == '\'')) {
      pos_ += n;
      return Quoted(tok, raw, bytes);
    }
    const size_t start = pos_;
    while (absl::ascii_isalnum(Peek()) || Peek() == '_') ++pos_;
    tok->kind = Tok::kIdent;
    tok->text = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }
  if (c == '"' || c == '\'') return Quoted(tok, false, false);
  static constexpr std::string_view kTwo[] = {
      "==", "!=", "<=", ">=", "&&", "||"};
  for (std::string_view p : kTwo) {
    if (text_.substr(pos_, 2) == p) {
      tok->kind = Tok::kPunct;
      tok->text = std::string(p);
      pos_ += 2;
      return absl::OkStatus();
    }
  }
  if (std::string_view("+-*/%<>!?:.,()[]{}").find(c) ==
      std::string_view::npos) {
    return Error(static_cast<int>(pos_),
                 absl::StrCat("unexpected '", std::string(1, c), "'"));
  }
  tok->kind = Tok::kPunct;
  tok->text = std::string(1, c);
  ++pos_;
  return absl::OkStatus();
}

}  // namespace protogate::expr
