// Lexer: CEL source text to tokens (literals decoded: every quoting and
// escape form of string and bytes literals, decimal/hex ints, uints,
// doubles). Internal to expr/ (the parser's first half).
//
// Thread safety: one Lexer per parse; it borrows the text, which must
// outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace protogate::expr {

enum class Tok { kEof, kInt, kUint, kDouble, kString, kBytes, kIdent, kPunct };

struct Token {
  Tok kind = Tok::kEof;
  std::string text;  // Identifier, punctuation, literal digits or value.
  int position = 0;
};

// True for the words CEL reserves (they may not be identifiers).
bool IsReserved(std::string_view s);

// Example:
//   Lexer lexer("a + 1");
//   Token tok;
//   while (lexer.Next(&tok).ok() && tok.kind != Tok::kEof) { ... }
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token (kEof at the end); InvalidArgument `<offset>: <what>`
  // for a malformed literal or an unexpected character.
  absl::Status Next(Token* tok);

 private:
  // InvalidArgument `<offset>: <what>`.
  absl::Status Error(int at, std::string_view what) const;
  void SkipSpace();
  absl::Status Number(Token* tok);
  absl::Status Quoted(Token* tok, bool raw, bool bytes);
  absl::Status Escape(bool bytes, std::string* out);
  // Reads `n` hex digits into `*v`; false at a non-hex character.
  bool HexDigits(int n, uint32_t* v);
  // Reads the two octal digits after `first` (0-3) into `*v`; false at a
  // non-octal character.
  bool OctalDigits(char first, uint32_t* v);
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace protogate::expr
