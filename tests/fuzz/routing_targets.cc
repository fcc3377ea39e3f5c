// path_template and route_matcher: the routing library's parsers on
// arbitrary input (see fuzz_targets.h).
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "demo/bookstore.pb.h"
#include "gateway/base/strings.h"
#include "gateway/routing/path_template.h"
#include "gateway/routing/route_table.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

using routing::PathTemplate;
using routing::RouteMatch;
using routing::RouteTable;
using routing::Segment;
using routing::Variable;

absl::Status Broken(std::string_view what, std::string_view input) {
  return absl::InternalError(
      absl::StrCat(base::ToAbsl(what), ": \"", base::ToAbsl(input), "\""));
}

// The template text that `t` stands for, from its parsed parts.
std::string Render(const PathTemplate& t) {
  std::string text;
  const auto& vars = t.variables();
  for (size_t i = 0; i < t.segments().size(); ++i) {
    text += '/';
    for (const Variable& v : vars) {
      if (v.start_segment == static_cast<int>(i)) {
        absl::StrAppend(&text, "{", v.field_path, "=");
      }
    }
    const Segment& s = t.segments()[i];
    switch (s.kind) {
      case Segment::Kind::kLiteral:
        text += s.literal;
        break;
      case Segment::Kind::kSingleWildcard:
        text += '*';
        break;
      case Segment::Kind::kMultiWildcard:
        text += "**";
        break;
    }
    for (const Variable& v : vars) {
      if (v.end_segment == static_cast<int>(i) + 1) text += '}';
    }
  }
  if (text.empty()) text.push_back('/');  // The root template.
  if (!t.verb().empty()) absl::StrAppend(&text, ":", t.verb());
  return text;
}

bool SameTemplate(const PathTemplate& a, const PathTemplate& b) {
  if (a.verb() != b.verb() || a.segments().size() != b.segments().size() ||
      a.variables().size() != b.variables().size()) {
    return false;
  }
  for (size_t i = 0; i < a.segments().size(); ++i) {
    const Segment& x = a.segments()[i];
    const Segment& y = b.segments()[i];
    if (x.kind != y.kind || x.literal != y.literal) return false;
  }
  for (size_t i = 0; i < a.variables().size(); ++i) {
    const Variable& x = a.variables()[i];
    const Variable& y = b.variables()[i];
    if (x.field_path != y.field_path || x.start_segment != y.start_segment ||
        x.end_segment != y.end_segment || x.multi_segment != y.multi_segment) {
      return false;
    }
  }
  return true;
}

const RouteTable& Bookstore() {
  static const RouteTable* table = [] {
    const auto* service =
        demo::bookstore::v1::Book::descriptor()->file()->FindServiceByName(
            "Bookstore");
    auto built = RouteTable::Build({service});
    if (!built.ok()) AbortUnlessOk("bookstore route table", built.status());
    return built->release();
  }();
  return *table;
}

std::string_view MethodOf(uint8_t byte) {
  static constexpr std::string_view kMethods[] = {
      "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "LIST", "OPTIONS"};
  switch (byte) {
    case 'G':
      return "GET";
    case 'P':
      return "POST";
    case 'U':
      return "PUT";
    case 'A':
      return "PATCH";
    case 'D':
      return "DELETE";
    case 'H':
      return "HEAD";
    case 'L':
      return "LIST";
    default:
      return kMethods[byte % std::size(kMethods)];
  }
}

bool SameMatch(const RouteMatch& a, const RouteMatch& b) {
  return a.outcome == b.outcome && a.route == b.route &&
         a.variable_values == b.variable_values && a.allow == b.allow &&
         a.error == b.error;
}

}  // namespace

absl::Status CheckPathTemplate(std::string_view input) {
  absl::StatusOr<PathTemplate> parsed = PathTemplate::Parse(input);
  if (!parsed.ok()) {
    if (!absl::IsInvalidArgument(parsed.status())) {
      return Broken(absl::StrCat("error is not InvalidArgument: ",
                                 parsed.status().ToString()),
                    input);
    }
    return absl::OkStatus();
  }
  const PathTemplate& t = *parsed;
  if (t.text() != input) return Broken("text() is not the input", input);
  const int segments = static_cast<int>(t.segments().size());
  int previous_end = 0;
  for (const Variable& v : t.variables()) {
    if (v.start_segment < previous_end || v.start_segment >= v.end_segment ||
        v.end_segment > segments || v.field_path.empty()) {
      return Broken("variable out of range", input);
    }
    previous_end = v.end_segment;
  }
  if (!t.verb().empty() && segments == 0) {
    return Broken("verb without segments", input);
  }
  const std::string rendered = Render(t);
  absl::StatusOr<PathTemplate> again = PathTemplate::Parse(rendered);
  if (!again.ok()) {
    return Broken(absl::StrCat("rendering \"", rendered, "\" does not parse: ",
                               again.status().ToString()),
                  input);
  }
  if (!SameTemplate(t, *again)) {
    return Broken(absl::StrCat("rendering \"", rendered, "\" differs"), input);
  }
  return absl::OkStatus();
}

absl::Status CheckRouteMatcher(std::string_view input) {
  if (input.empty()) return absl::OkStatus();
  const std::string_view method = MethodOf(static_cast<uint8_t>(input[0]));
  const std::string_view path = input.substr(1);
  const RouteTable& table = Bookstore();
  const RouteMatch m = table.Match(method, path);
  switch (m.outcome) {
    case RouteMatch::Outcome::kMatched:
      if (m.route == nullptr) return Broken("match without route", input);
      if (m.variable_values.size() != m.route->path.variables().size()) {
        return Broken("one value per variable", input);
      }
      if (m.route->http_method != method && m.route->http_method != "*") {
        return Broken("matched another method's route", input);
      }
      break;
    case RouteMatch::Outcome::kMethodNotAllowed:
      if (m.allow.empty()) return Broken("405 without Allow", input);
      break;
    case RouteMatch::Outcome::kNotFound:
    case RouteMatch::Outcome::kBadRequest:
      if (m.error.empty()) return Broken("404/400 without error", input);
      break;
  }
  if (!SameMatch(m, table.Match(method, path))) {
    return Broken("matching is not repeatable", input);
  }
  return absl::OkStatus();
}

}  // namespace protogate::fuzz
