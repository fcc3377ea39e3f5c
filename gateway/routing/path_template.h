// PathTemplate: a parsed google.api.http path template.
//
// Grammar (see docs/HTTP_RULES.md "Templates"):
//   Template = "/" Segments [ ":" Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
// `{x}` means `{x=*}`. Variables do not nest. `**` matches zero or more
// segments and may be followed by literal segments only (no `*`, no second
// `**`). FieldPath is dot-separated identifiers ([A-Za-z_][A-Za-z0-9_]*);
// a field may be bound once per template. The verb starts at the last ':'
// that is outside braces and followed by no '/'; it must be non-empty and
// follow at least one segment. "/" alone is accepted: the root, no segments.
//
// Literals: RFC 3986 pchar characters (except '*') and %XX escapes; bytes
// >= 0x80 are accepted and escaped. They are stored, like the verb, in the
// canonical form of percent_encoding.h ("shel%76es" is stored "shelves").
// "." and ".." (in any encoding) are rejected: requests are normalised, so
// they could never match.
//
// Thread safety: a value type; const methods are safe concurrently.
//
// Example:
//   PG_ASSIGN_OR_RETURN(PathTemplate t,
//                       PathTemplate::Parse("/v1/{name=shelves/*}/books"));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::routing {

struct Segment {
  enum class Kind { kLiteral, kSingleWildcard, kMultiWildcard };
  Kind kind = Kind::kLiteral;
  std::string literal;  // Set for kLiteral, in canonical percent-encoded form.
};

struct Variable {
  std::string field_path;  // Dotted proto field names, e.g. "book.id".
  int start_segment = 0;   // Index of the variable's first segment.
  int end_segment = 0;     // One past its last segment.
  // True when the variable can match more than one segment (contains `**`
  // or spans several segments): `%2F` then stays encoded in its value.
  bool multi_segment = false;
};

class PathTemplate {
 public:
  // Returns InvalidArgument naming the template, what is wrong and, where
  // it applies, the byte offset at fault, e.g.
  //   template "/v1/{shelf": unbalanced '{' at offset 4
  static absl::StatusOr<PathTemplate> Parse(std::string_view text);

  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }  // Empty when none.
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

}  // namespace protogate::routing
