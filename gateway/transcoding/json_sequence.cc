#include "gateway/transcoding/json_sequence.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/base/strings.h"

namespace protogate::transcoding {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

absl::Status Malformed(size_t offset, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("request body: ", base::ToAbsl(what), " at byte ", offset,
                   " (a client stream is a JSON array of messages or "
                   "NDJSON, one message a line)"));
}

struct Problem {
  std::string_view what;  // Empty when there is none.
  size_t offset = 0;
};

// The end of the JSON value starting at `start`: the first ',' or
// unmatched closing bracket outside strings and nested brackets, or the end
// of `s`. Sets `problem` for unbalanced brackets or an unterminated string.
size_t ValueEnd(std::string_view s, size_t start, Problem& problem) {
  std::vector<char> open;
  bool in_string = false;
  for (size_t i = start; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        open.push_back(c);
        break;
      case '}':
      case ']':
        if (open.empty()) return i;
        if ((c == '}') != (open.back() == '{')) {
          problem = {"mismatched bracket", i};
          return i;
        }
        open.pop_back();
        break;
      case ',':
        if (open.empty()) return i;
        break;
      default:
        break;
    }
  }
  if (in_string) {
    problem = {"unterminated string", s.size()};
  } else if (!open.empty()) {
    problem = {"unterminated value", s.size()};
  }
  return s.size();
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status TooMany(size_t max_items) {
  return absl::InvalidArgumentError(absl::StrCat(
      "request body: more than ", max_items, " messages in the client stream"));
}

absl::StatusOr<std::vector<std::string_view>> SplitArray(std::string_view body,
                                                         size_t max_items) {
  std::vector<std::string_view> items;
  size_t i = SkipSpace(body, 0);
  if (i == body.size() || body[i] != '[') {
    return Malformed(i, "expected '['");
  }
  i = SkipSpace(body, i + 1);
  if (i < body.size() && body[i] == ']') {
    if (SkipSpace(body, i + 1) != body.size()) {
      return Malformed(i + 1, "unexpected text after the array");
    }
    return items;
  }
  while (true) {
    i = SkipSpace(body, i);
    if (i == body.size()) return Malformed(i, "unterminated array");
    Problem problem;
    size_t end = ValueEnd(body, i, problem);
    if (!problem.what.empty()) return Malformed(problem.offset, problem.what);
    std::string_view item = TrimRight(body.substr(i, end - i));
    if (item.empty()) return Malformed(i, "empty element");
    if (end == body.size()) return Malformed(end, "unterminated array");
    if (items.size() == max_items) return TooMany(max_items);
    items.push_back(item);
    i = end + 1;
    if (body[end] == ']') break;
  }
  if (SkipSpace(body, i) != body.size()) {
    return Malformed(i, "unexpected text after the array");
  }
  return items;
}

absl::StatusOr<std::vector<std::string_view>> SplitLines(std::string_view body,
                                                         size_t max_items) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    size_t first = SkipSpace(body.substr(0, end), start);
    std::string_view line = TrimRight(body.substr(first, end - first));
    if (!line.empty()) {
      Problem problem;
      size_t value_end = ValueEnd(line, 0, problem);
      if (problem.what.empty() && value_end != line.size()) {
        problem = {"more than one value on a line", value_end};
      }
      if (!problem.what.empty()) {
        return Malformed(first + problem.offset, problem.what);
      }
      if (items.size() == max_items) return TooMany(max_items);
      items.push_back(line);
    }
    start = end + 1;
  }
  return items;
}

}  // namespace

absl::StatusOr<std::vector<std::string_view>> SplitJsonSequence(
    std::string_view body, SequenceFormat format, size_t max_items) {
  return format == SequenceFormat::kJsonArray ? SplitArray(body, max_items)
                                              : SplitLines(body, max_items);
}

}  // namespace protogate::transcoding
