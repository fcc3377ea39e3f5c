// Table-driven tests of PathTemplate::Parse: one row per rule of
// docs/HTTP_RULES.md "Templates" (grammar, canonical literals, verbs, `**`).
#include "gateway/routing/path_template.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"

namespace protogate::routing {
namespace {

// Renders a parsed template as "seg/seg|var[start,end)+multi|:verb".
std::string Describe(const PathTemplate& t) {
  std::vector<std::string> segments;
  for (const Segment& s : t.segments()) {
    switch (s.kind) {
      case Segment::Kind::kLiteral:
        segments.push_back(s.literal);
        break;
      case Segment::Kind::kSingleWildcard:
        segments.push_back("*");
        break;
      case Segment::Kind::kMultiWildcard:
        segments.push_back("**");
        break;
    }
  }
  std::string out = absl::StrJoin(segments, "/");
  for (const Variable& v : t.variables()) {
    absl::StrAppend(&out, "|", v.field_path, "[", v.start_segment, ",",
                    v.end_segment, ")", v.multi_segment ? "+multi" : "");
  }
  if (!t.verb().empty()) absl::StrAppend(&out, "|:", t.verb());
  return out;
}

struct AcceptCase {
  const char* rule;
  const char* text;
  const char* expected;
};

TEST(PathTemplateTest, AcceptsValidTemplates) {
  const AcceptCase kCases[] = {
      {"literals", "/v1/shelves", "v1/shelves"},
      {"root is the empty template", "/", ""},
      {"single wildcard", "/v1/*", "v1/*"},
      {"multi wildcard last", "/v1/**", "v1/**"},
      {"{x} means {x=*}", "/v1/shelves/{shelf}", "v1/shelves/*|shelf[2,3)"},
      {"{x=*} single segment", "/v1/{name=*}", "v1/*|name[1,2)"},
      {"variable with literal parts", "/v1/{name=shelves/*}",
       "v1/shelves/*|name[1,3)+multi"},
      {"variable spanning several segments", "/v1/{name=shelves/*/books/*}/x",
       "v1/shelves/*/books/*/x|name[1,5)+multi"},
      {"variable with **", "/v1/lookup/{name=**}",
       "v1/lookup/**|name[2,3)+multi"},
      {"nested field path", "/v1/{book.shelf_id}/books/{book.id}",
       "v1/*/books/*|book.shelf_id[1,2)|book.id[3,4)"},
      {"field path with underscores and digits", "/{_a1.b_2}",
       "*|_a1.b_2[0,1)"},
      {"literal after **", "/v1/{name=**}/versions",
       "v1/**/versions|name[1,2)+multi"},
      {"literals after bare **", "/v1/**/x/y", "v1/**/x/y"},
      {"literal after ** inside the variable", "/v1/{name=**/raw}",
       "v1/**/raw|name[1,3)+multi"},
      {"verb after literal", "/v1/isbn:check", "v1/isbn|:check"},
      {"verb after variable", "/v1/{name=*}:undelete",
       "v1/*|name[1,2)|:undelete"},
      {"verb after **", "/v1/{name=**}:cancel",
       "v1/**|name[1,2)+multi|:cancel"},
      {"verb is after the last colon", "/v1/a:b:c", "v1/a:b|:c"},
      {"colon inside a variable is a literal", "/v1/{name=a:b}",
       "v1/a:b|name[1,2)"},
      {"colon in an inner segment is a literal", "/v1/user:x/y", "v1/user:x/y"},
      {"escaped unreserved is decoded", "/v1/shel%76es", "v1/shelves"},
      {"other escapes get upper-case hex", "/v1/a%2fb%3a", "v1/a%2Fb%3A"},
      {"non-ASCII is escaped", "/v1/caf\xC3\xA9", "v1/caf%C3%A9"},
      {"sub-delims, ':' and '@' stay raw",
       "/v1/a@b!$&'()+,;=", "v1/a@b!$&'()+,;="},
      {"verb canonical form", "/v1/x:ch%65ck", "v1/x|:check"},
      {"two variables", "/v1/{a}/{b}", "v1/*/*|a[1,2)|b[2,3)"},
      {"literal-only variable", "/v1/{a=x}/**", "v1/x/**|a[1,2)"},
      {"grpc path", "/demo.bookstore.v1.Bookstore/GetBook",
       "demo.bookstore.v1.Bookstore/GetBook"},
  };
  for (const AcceptCase& c : kCases) {
    absl::StatusOr<PathTemplate> t = PathTemplate::Parse(c.text);
    ASSERT_TRUE(t.ok()) << c.rule << ": " << t.status();
    EXPECT_EQ(Describe(*t), c.expected) << c.rule;
    EXPECT_EQ(t->text(), c.text) << c.rule;
  }
}

struct RejectCase {
  const char* rule;
  const char* text;
  const char* message;
};

TEST(PathTemplateTest, RejectsInvalidTemplatesNamingTheFault) {
  const RejectCase kCases[] = {
      {"empty", "", "template \"\": must start with '/' at offset 0"},
      {"no leading slash", "v1/shelves",
       "template \"v1/shelves\": must start with '/' at offset 0"},
      {"empty segment", "/v1//shelves",
       "template \"/v1//shelves\": empty segment at offset 4"},
      {"trailing slash", "/v1/",
       "template \"/v1/\": empty segment at offset 4"},
      {"unbalanced {", "/v1/{shelf",
       "template \"/v1/{shelf\": unbalanced '{' at offset 4"},
      {"unbalanced {=", "/v1/{name=a/*",
       "template \"/v1/{name=a/*\": unbalanced '{' at offset 4"},
      {"unbalanced }", "/v1/shelf}",
       "template \"/v1/shelf}\": unbalanced '}' at offset 9"},
      {"nested variable", "/v1/{a={b}}",
       "template \"/v1/{a={b}}\": nested variable at offset 7"},
      {"nested variable deeper", "/v1/{a=x/{b}}",
       "template \"/v1/{a=x/{b}}\": nested variable at offset 9"},
      {"empty field path", "/v1/{}",
       "template \"/v1/{}\": empty field path at offset 5"},
      {"field path starting with a digit", "/v1/{1a}",
       "template \"/v1/{1a}\": invalid field path \"1a\" at offset 5"},
      {"empty field path component", "/v1/{a..b}",
       "template \"/v1/{a..b}\": invalid field path \"a..b\" at offset 7"},
      {"trailing dot in field path", "/v1/{a.}",
       "template \"/v1/{a.}\": invalid field path \"a.\" at offset 7"},
      {"bad character in field path", "/v1/{a-b}",
       "template \"/v1/{a-b}\": invalid field path \"a-b\" at offset 6"},
      {"slash in field path", "/v1/{a/b}",
       "template \"/v1/{a/b}\": expected '=' or '}' after the field path at "
       "offset 6"},
      {"empty variable segments", "/v1/{a=}",
       "template \"/v1/{a=}\": empty segment at offset 7"},
      {"variable not a whole segment (prefix)", "/v1/x{a}",
       "template \"/v1/x{a}\": a variable must be a whole segment at offset 5"},
      {"variable not a whole segment (suffix)", "/v1/{a}x",
       "template \"/v1/{a}x\": a variable must be a whole segment at offset 7"},
      {"star inside a literal", "/v1/a*b",
       "template \"/v1/a*b\": '*' inside a literal segment at offset 5"},
      {"three stars", "/v1/***",
       "template \"/v1/***\": '*' inside a literal segment at offset 4"},
      {"* after **", "/v1/**/*",
       "template \"/v1/**/*\": only literal segments may follow '**'"},
      {"** after **", "/v1/**/x/**",
       "template \"/v1/**/x/**\": only literal segments may follow '**'"},
      {"variable after ** variable", "/v1/{a=**}/{b}",
       "template \"/v1/{a=**}/{b}\": only literal segments may follow '**'"},
      {"field bound twice", "/v1/{a}/{a}",
       "template \"/v1/{a}/{a}\": field \"a\" bound twice"},
      {"empty verb", "/v1/x:", "template \"/v1/x:\": empty verb at offset 6"},
      {"verb without a segment", "/:verb",
       "template \"/:verb\": a verb needs a segment before it at offset 1"},
      {"wildcard in verb", "/v1/x:a*",
       "template \"/v1/x:a*\": invalid character '*' in verb at offset 7"},
      {"malformed escape", "/v1/a%zz",
       "template \"/v1/a%zz\": malformed percent-encoding at offset 5"},
      {"truncated escape", "/v1/a%4",
       "template \"/v1/a%4\": malformed percent-encoding at offset 5"},
      {"space in literal", "/v1/a b",
       "template \"/v1/a b\": invalid character ' ' in literal segment at "
       "offset 5"},
      {"query in literal", "/v1/a?b",
       "template \"/v1/a?b\": invalid character '?' in literal segment at "
       "offset 5"},
      {"fragment in literal", "/v1/a#b",
       "template \"/v1/a#b\": invalid character '#' in literal segment at "
       "offset 5"},
      {"dot segment", "/v1/./x",
       "template \"/v1/./x\": dot segment at offset 4"},
      {"encoded dot-dot segment", "/v1/%2e%2E",
       "template \"/v1/%2e%2E\": dot segment at offset 4"},
  };
  for (const RejectCase& c : kCases) {
    absl::StatusOr<PathTemplate> t = PathTemplate::Parse(c.text);
    ASSERT_FALSE(t.ok()) << c.rule << ": parsed as " << Describe(*t);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << c.rule;
    EXPECT_EQ(std::string(t.status().message()), c.message) << c.rule;
  }
}

}  // namespace
}  // namespace protogate::routing
