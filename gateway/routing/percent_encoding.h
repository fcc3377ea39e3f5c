// Percent-encoding helpers shared by the template parser and the matcher.
//
// Canonical form (used to compare literal segments): a `%XX` escape of an
// RFC 3986 unreserved character (ALPHA DIGIT - . _ ~) is decoded, every other
// escape is kept with upper-case hex digits, bytes >= 0x80 and characters
// outside RFC 3986 `pchar` are escaped, everything else is kept as is. So
// "shel%76es" and "shelves" are the same literal, while "a%2Fb" and "a/b"
// or "%40" and "@" are not (RFC 3986 section 6.2.2.2).
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

namespace protogate::routing {

// True for RFC 3986 unreserved characters.
bool IsUnreserved(char c);

// True for RFC 3986 `pchar` characters other than '%' (unreserved,
// sub-delims, ':' and '@').
bool IsPlainPathChar(char c);

// True when `text` differs from its canonical form only if canonicalised,
// i.e. it contains '%' or a character that canonicalisation escapes.
bool NeedsCanonicalization(std::string_view text);

// Appends the canonical form of `text` to `*out`. REQUIRES: every '%' of
// `text` starts a well-formed escape (see FindMalformedEscape).
void AppendCanonical(std::string_view text, std::string* out);

// Returns the offset of the first '%' not followed by two hex digits, or
// std::string_view::npos when every escape is well-formed.
size_t FindMalformedEscape(std::string_view text);

enum class SlashEscapes {
  kDecode,      // "%2F" becomes '/'.
  kKeepEncoded  // "%2F" and "%2f" stay as they are.
};

// Appends the percent-decoded `text` to `*out`. REQUIRES: every escape is
// well-formed.
void AppendDecoded(std::string_view text, SlashEscapes slashes,
                   std::string* out);

}  // namespace protogate::routing
