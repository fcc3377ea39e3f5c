#include "gateway/routing/path_template.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"
#include "gateway/routing/percent_encoding.h"

namespace protogate::routing {
namespace {

constexpr size_t kNoVerb = std::string_view::npos;

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

// The offset of the ':' that starts the verb: the last ':' outside braces
// with no '/' after it; kNoVerb when there is none.
size_t FindVerbColon(std::string_view text) {
  size_t colon = kNoVerb;
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '{') ++depth;
    if (c == '}') --depth;
    if (c == '/') colon = kNoVerb;
    if (c == ':' && depth == 0) colon = i;
  }
  return colon;
}

// Recursive-descent parser over the part of the template before the verb.
class TemplateParser {
 public:
  TemplateParser(std::string_view full, std::string_view body)
      : full_(full), body_(body) {}

  absl::Status Parse(std::vector<Segment>* segments,
                     std::vector<Variable>* variables) {
    segments_ = segments;
    variables_ = variables;
    if (body_.empty() || body_[0] != '/') {
      return Error("must start with '/'", 0);
    }
    pos_ = 1;
    if (body_.size() == 1) return absl::OkStatus();  // "/": the root.
    if (absl::Status s = ParseSegments(/*variable=*/nullptr); !s.ok()) {
      return s;
    }
    if (pos_ < body_.size()) return Error("unbalanced '}'", pos_);
    return absl::OkStatus();
  }

  absl::Status Error(std::string_view what, size_t offset) const {
    return absl::InvalidArgumentError(
        absl::StrCat("template \"", base::ToAbsl(full_),
                     "\": ", base::ToAbsl(what), " at offset ", offset));
  }
  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "template \"", base::ToAbsl(full_), "\": ", base::ToAbsl(what)));
  }

 private:
  bool AtEnd() const { return pos_ >= body_.size(); }
  char Peek() const { return body_[pos_]; }

  absl::Status ParseSegments(const Variable* variable) {
    while (true) {
      if (absl::Status s = ParseSegment(variable); !s.ok()) return s;
      if (AtEnd() || Peek() != '/') return absl::OkStatus();
      ++pos_;
    }
  }

  absl::Status ParseSegment(const Variable* variable) {
    if (AtEnd() || Peek() == '/' || Peek() == '}') {
      return Error("empty segment", pos_);
    }
    if (Peek() == '{') {
      if (variable != nullptr) return Error("nested variable", pos_);
      return ParseVariable();
    }
    const size_t start = pos_;
    while (!AtEnd() && Peek() != '/' && Peek() != '}' && Peek() != '{') ++pos_;
    if (!AtEnd() && Peek() == '{') {
      return Error("a variable must be a whole segment", pos_);
    }
    return AddPlainSegment(body_.substr(start, pos_ - start), start);
  }

  absl::Status AddPlainSegment(std::string_view token, size_t offset) {
    Segment segment;
    if (token == "*") {
      segment.kind = Segment::Kind::kSingleWildcard;
    } else if (token == "**") {
      segment.kind = Segment::Kind::kMultiWildcard;
    } else {
      absl::Status s = CanonicalLiteral(token, offset, &segment.literal);
      if (!s.ok()) return s;
    }
    segments_->push_back(std::move(segment));
    return absl::OkStatus();
  }

  absl::Status CanonicalLiteral(std::string_view token, size_t offset,
                                std::string* out) const {
    const size_t bad_escape = FindMalformedEscape(token);
    if (bad_escape != std::string_view::npos) {
      return Error("malformed percent-encoding", offset + bad_escape);
    }
    for (size_t i = 0; i < token.size(); ++i) {
      const char c = token[i];
      const bool non_ascii = static_cast<unsigned char>(c) >= 0x80;
      if (c == '*') return Error("'*' inside a literal segment", offset + i);
      if (c != '%' && !non_ascii && !IsPlainPathChar(c)) {
        return Error(absl::StrCat("invalid character '", std::string(1, c),
                                  "' in literal segment"),
                     offset + i);
      }
    }
    AppendCanonical(token, out);
    if (*out == "." || *out == "..") {
      return Error("dot segment", offset);
    }
    return absl::OkStatus();
  }

  absl::Status ParseVariable() {
    const size_t open = pos_++;
    const size_t start = pos_;
    while (!AtEnd() && Peek() != '=' && Peek() != '}' && Peek() != '/' &&
           Peek() != '{') {
      ++pos_;
    }
    Variable variable;
    variable.field_path = std::string(body_.substr(start, pos_ - start));
    if (absl::Status s = CheckFieldPath(variable.field_path, start); !s.ok()) {
      return s;
    }
    if (AtEnd()) return Error("unbalanced '{'", open);
    if (Peek() != '=' && Peek() != '}') {
      return Error("expected '=' or '}' after the field path", pos_);
    }
    variable.start_segment = static_cast<int>(segments_->size());
    if (Peek() == '=') {
      ++pos_;
      if (absl::Status s = ParseSegments(&variable); !s.ok()) return s;
    } else {
      segments_->push_back({Segment::Kind::kSingleWildcard, ""});
    }
    if (AtEnd() || Peek() != '}') return Error("unbalanced '{'", open);
    ++pos_;
    if (!AtEnd() && Peek() != '/' && Peek() != '}') {
      return Error("a variable must be a whole segment", pos_);
    }
    variable.end_segment = static_cast<int>(segments_->size());
    variable.multi_segment = IsMultiSegment(variable);
    variables_->push_back(std::move(variable));
    return absl::OkStatus();
  }

  bool IsMultiSegment(const Variable& variable) const {
    if (variable.end_segment - variable.start_segment > 1) return true;
    return (*segments_)[variable.start_segment].kind ==
           Segment::Kind::kMultiWildcard;
  }

  absl::Status CheckFieldPath(std::string_view path, size_t offset) const {
    if (path.empty()) return Error("empty field path", offset);
    bool ident_start = true;
    for (size_t i = 0; i < path.size(); ++i) {
      const char c = path[i];
      const bool ok =
          ident_start ? IsIdentStart(c) : (IsIdentChar(c) || c == '.');
      if (!ok) {
        return Error(
            absl::StrCat("invalid field path \"", base::ToAbsl(path), "\""),
            offset + i);
      }
      ident_start = c == '.';
    }
    if (ident_start) {
      return Error(
          absl::StrCat("invalid field path \"", base::ToAbsl(path), "\""),
          offset + path.size());
    }
    return absl::OkStatus();
  }

  std::string_view full_;
  std::string_view body_;
  size_t pos_ = 0;
  std::vector<Segment>* segments_ = nullptr;
  std::vector<Variable>* variables_ = nullptr;
};

absl::Status CheckVerb(const TemplateParser& parser, std::string_view verb,
                       size_t offset, std::string* out) {
  if (verb.empty()) return parser.Error("empty verb", offset);
  if (FindMalformedEscape(verb) != std::string_view::npos) {
    return parser.Error("malformed percent-encoding in verb", offset);
  }
  for (size_t i = 0; i < verb.size(); ++i) {
    const char c = verb[i];
    if (c == '*' || c == '{' || c == '}' || (c != '%' && !IsPlainPathChar(c))) {
      return parser.Error(
          absl::StrCat("invalid character '", std::string(1, c), "' in verb"),
          offset + i);
    }
  }
  AppendCanonical(verb, out);
  return absl::OkStatus();
}

// `**` may only be followed by literal segments; field paths are unique.
absl::Status CheckStructure(const TemplateParser& parser,
                            const std::vector<Segment>& segments,
                            const std::vector<Variable>& variables) {
  bool seen_multi = false;
  for (const Segment& segment : segments) {
    if (seen_multi && segment.kind != Segment::Kind::kLiteral) {
      return parser.Error("only literal segments may follow '**'");
    }
    seen_multi = seen_multi || segment.kind == Segment::Kind::kMultiWildcard;
  }
  absl::flat_hash_set<std::string_view> paths;
  for (const Variable& variable : variables) {
    if (!paths.insert(variable.field_path).second) {
      return parser.Error(
          absl::StrCat("field \"", variable.field_path, "\" bound twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PathTemplate> PathTemplate::Parse(std::string_view text) {
  const size_t colon = FindVerbColon(text);
  const std::string_view body = text.substr(0, colon);
  TemplateParser parser(text, body);
  PathTemplate result;
  if (absl::Status s = parser.Parse(&result.segments_, &result.variables_);
      !s.ok()) {
    return s;
  }
  if (colon != kNoVerb) {
    if (result.segments_.empty()) {
      return parser.Error("a verb needs a segment before it", colon);
    }
    absl::Status s =
        CheckVerb(parser, text.substr(colon + 1), colon + 1, &result.verb_);
    if (!s.ok()) return s;
  }
  if (absl::Status s =
          CheckStructure(parser, result.segments_, result.variables_);
      !s.ok()) {
    return s;
  }
  result.text_ = std::string(text);
  return result;
}

}  // namespace protogate::routing
