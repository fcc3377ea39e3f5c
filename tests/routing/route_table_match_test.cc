// Table-driven tests of RouteTable::Match: precedence, verbs, percent-
// decoding, dot segments, 404/405 with Allow, custom kinds. The routes come
// from a service built at test time, one method M<i> per route.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/routing/route_table.h"
#include "gtest/gtest.h"
#include "tests/routing/test_pool.h"

namespace protogate::routing {
namespace {

using Outcome = RouteMatch::Outcome;

struct RouteSpec {
  const char* http_method;  // GET/PUT/POST/DELETE/PATCH, else a custom kind.
  const char* path;
};

// The route set every matcher row runs against; the row names its method.
const RouteSpec kRoutes[] = {
    /*M0*/ {"GET", "/v1/shelves"},
    /*M1*/ {"POST", "/v1/shelves"},
    /*M2*/ {"GET", "/v1/shelves/{a}"},
    /*M3*/ {"GET", "/v1/shelves/{a}/books/{b}"},
    /*M4*/ {"GET", "/v1/shelves/special/books/{b}"},
    /*M5*/ {"GET", "/v1/{name=shelves/*/books/*}/pages"},
    /*M6*/ {"GET", "/v1/lookup/{name=**}"},
    /*M7*/ {"GET", "/v1/lookup/{name=**}/versions"},
    /*M8*/ {"GET", "/v1/files/**"},
    /*M9*/ {"GET", "/v1/files/readme"},
    /*M10*/ {"POST", "/v1/isbn:check"},
    /*M11*/ {"GET", "/v1/users/{a}"},
    /*M12*/ {"POST", "/v1/users/{a}:activate"},
    /*M13*/ {"LIST", "/v1/shelves"},
    /*M14*/ {"*", "/v1/any/{a}"},
    /*M15*/ {"GET", "/v1/any/{a}"},
    /*M16*/ {"DELETE", "/v1/shelves/{a}"},
    /*M17*/ {"GET", "/v1/fallback/{a}/x"},
    /*M18*/ {"GET", "/v1/fallback/lit/y"},
    /*M19*/ {"POST", "/v1/ops/{name=**}:cancel"},
    /*M20*/ {"GET", "/v1/{x=*}/{y=*}/deep"},
    /*M21*/ {"GET", "/v1/shelves/{a}/{b=**}"},
};

std::string ServiceProto(absl::Span<const RouteSpec> routes) {
  std::string proto = R"(
    syntax = "proto3";
    package t;
    import "google/api/annotations.proto";
    message Req { string a = 1; string b = 2; string name = 3; string x = 4;
                  string y = 5; }
    message Resp {}
    service S {
  )";
  for (size_t i = 0; i < routes.size(); ++i) {
    const std::string method = routes[i].http_method;
    const bool standard = method == "GET" || method == "PUT" ||
                          method == "POST" || method == "DELETE" ||
                          method == "PATCH";
    const std::string pattern =
        standard ? absl::StrCat(absl::AsciiStrToLower(method), ": \"",
                                routes[i].path, "\"")
                 : absl::StrCat("custom { kind: \"", method, "\" path: \"",
                                routes[i].path, "\" }");
    absl::StrAppend(&proto, "rpc M", i, "(Req) returns (Resp) {",
                    " option (google.api.http) = { ", pattern, " }; }\n");
  }
  return proto + "}\n";
}

class RouteTableMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pool_.Add(ServiceProto(kRoutes)).ok());
    const google::protobuf::ServiceDescriptor* service = pool_.Service("t.S");
    ASSERT_NE(service, nullptr);
    auto table = RouteTable::Build({service});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  testing::TestPool pool_;
  std::unique_ptr<RouteTable> table_;
};

struct MatchCase {
  const char* rule;
  const char* http_method;
  const char* path;
  Outcome outcome;
  // kMatched: "<method name>|<value>|<value>..."; kMethodNotAllowed: the
  // Allow list; kBadRequest / kNotFound: the error.
  const char* expected;
};

std::string Describe(const RouteMatch& m) {
  switch (m.outcome) {
    case Outcome::kMatched: {
      std::string out = m.route->method->name();
      for (const std::string& v : m.variable_values)
        absl::StrAppend(&out, "|", v);
      return out;
    }
    case Outcome::kMethodNotAllowed:
      return m.allow;
    case Outcome::kNotFound:
    case Outcome::kBadRequest:
      return m.error;
  }
  return "?";
}

TEST_F(RouteTableMatchTest, MatchesPerHttpRules) {
  const MatchCase kCases[] = {
      // Literals, methods, custom kinds.
      {"literal GET", "GET", "/v1/shelves", Outcome::kMatched, "M0"},
      {"literal POST", "POST", "/v1/shelves", Outcome::kMatched, "M1"},
      {"custom kind", "LIST", "/v1/shelves", Outcome::kMatched, "M13"},
      {"405 lists every method, sorted", "PUT", "/v1/shelves",
       Outcome::kMethodNotAllowed, "GET, LIST, POST"},
      {"HEAD is not GET", "HEAD", "/v1/shelves", Outcome::kMethodNotAllowed,
       "GET, LIST, POST"},
      {"methods are case-sensitive", "get", "/v1/shelves",
       Outcome::kMethodNotAllowed, "GET, LIST, POST"},
      {"kind * after exact methods", "GET", "/v1/any/1", Outcome::kMatched,
       "M15|1"},
      {"kind * matches any other method", "PUT", "/v1/any/1", Outcome::kMatched,
       "M14|1"},
      {"kind * matches custom tokens", "FROB", "/v1/any/1", Outcome::kMatched,
       "M14|1"},
      {"405 for a wildcard path", "PATCH", "/v1/shelves/1",
       Outcome::kMethodNotAllowed, "DELETE, GET"},
      {"implicit gRPC path", "POST", "/t.S/M3", Outcome::kMatched, "M3"},
      {"implicit gRPC path is POST only", "GET", "/t.S/M3",
       Outcome::kMethodNotAllowed, "POST"},
      // Precedence: literal > * > **, backtracking.
      {"single variable", "GET", "/v1/shelves/7", Outcome::kMatched, "M2|7"},
      {"two variables", "GET", "/v1/shelves/1/books/2", Outcome::kMatched,
       "M3|1|2"},
      {"literal beats *", "GET", "/v1/shelves/special/books/2",
       Outcome::kMatched, "M4|2"},
      {"* beats **", "GET", "/v1/shelves/1/2", Outcome::kMatched, "M21|1|2"},
      {"value includes literal parts", "GET", "/v1/shelves/1/books/2/pages",
       Outcome::kMatched, "M5|shelves/1/books/2"},
      {"** spans segments", "GET", "/v1/lookup/shelves/1/books/2",
       Outcome::kMatched, "M6|shelves/1/books/2"},
      {"** matches zero segments", "GET", "/v1/lookup", Outcome::kMatched,
       "M6|"},
      {"literal after ** preferred", "GET", "/v1/lookup/a/b/versions",
       Outcome::kMatched, "M7|a/b"},
      {"literal beats **", "GET", "/v1/files/readme", Outcome::kMatched, "M9"},
      {"** takes what literals do not", "GET", "/v1/files/docs/readme",
       Outcome::kMatched, "M8"},
      {"backtrack from a dead-end literal", "GET", "/v1/fallback/lit/x",
       Outcome::kMatched, "M17|lit"},
      {"literal branch when it completes", "GET", "/v1/fallback/lit/y",
       Outcome::kMatched, "M18"},
      {"leftmost literal decides, even before **", "GET",
       "/v1/shelves/books/deep", Outcome::kMatched, "M21|books|deep"},
      {"* * literal when no literal route fits", "GET", "/v1/other/books/deep",
       Outcome::kMatched, "M20|other|books"},
      // Verbs.
      {"registered verb", "POST", "/v1/isbn:check", Outcome::kMatched, "M10"},
      {"verb route, wrong method", "GET", "/v1/isbn:check",
       Outcome::kMethodNotAllowed, "POST"},
      {"encoded colon is data, not a verb", "POST", "/v1/isbn%3Acheck",
       Outcome::kNotFound, "no route matches \"/v1/isbn%3Acheck\""},
      {"unregistered verb is data", "GET", "/v1/users/user:123",
       Outcome::kMatched, "M11|user:123"},
      {"verb after a variable", "POST", "/v1/users/bob:activate",
       Outcome::kMatched, "M12|bob"},
      {"registered verb, other method: 405", "GET", "/v1/users/bob:activate",
       Outcome::kMethodNotAllowed, "POST"},
      {"encoded colon keeps the value whole", "GET", "/v1/users/bob%3Aactivate",
       Outcome::kMatched, "M11|bob:activate"},
      {"verb of another route falls back to data", "GET", "/v1/users/bob:check",
       Outcome::kMatched, "M11|bob:check"},
      {"verb after **", "POST", "/v1/ops/a/b:cancel", Outcome::kMatched,
       "M19|a/b"},
      {"verb only in the last segment", "GET", "/v1/shelves/a:check/books/2",
       Outcome::kMatched, "M3|a:check|2"},
      // Percent-decoding.
      {"literal in canonical form", "GET", "/v1/shel%76es/7", Outcome::kMatched,
       "M2|7"},
      {"literal with upper-case escape", "GET", "/v1/shel%76es",
       Outcome::kMatched, "M0"},
      {"literals are case-sensitive", "GET", "/v1/SHELVES/7",
       Outcome::kNotFound, "no route matches \"/v1/SHELVES/7\""},
      {"%2F never splits", "GET", "/v1/shelves%2F7", Outcome::kNotFound,
       "no route matches \"/v1/shelves%2F7\""},
      {"single segment: %2F decoded", "GET", "/v1/shelves/a%2Fb",
       Outcome::kMatched, "M2|a/b"},
      {"single segment: fully decoded", "GET", "/v1/shelves/a%20b%25c",
       Outcome::kMatched, "M2|a b%c"},
      {"decoded once", "GET", "/v1/shelves/%2541", Outcome::kMatched, "M2|%41"},
      {"multi segment: %2F stays", "GET", "/v1/lookup/a%2Fb/c%20d",
       Outcome::kMatched, "M6|a%2Fb/c d"},
      {"multi segment: %2f stays as sent", "GET", "/v1/lookup/a%2fb",
       Outcome::kMatched, "M6|a%2fb"},
      {"multi segment of fixed length keeps %2F", "GET",
       "/v1/shelves/a%2Fb/books/2/pages", Outcome::kMatched,
       "M5|shelves/a%2Fb/books/2"},
      {"raw UTF-8 passes through", "GET", "/v1/shelves/caf\xC3\xA9",
       Outcome::kMatched, "M2|caf\xC3\xA9"},
      {"encoded UTF-8 decoded", "GET", "/v1/shelves/caf%C3%A9",
       Outcome::kMatched, "M2|caf\xC3\xA9"},
      // Malformed paths.
      {"malformed escape", "GET", "/v1/shelves/%zz", Outcome::kBadRequest,
       "path \"/v1/shelves/%zz\": malformed percent-encoding at offset 12"},
      {"truncated escape", "GET", "/v1/shelves/%4", Outcome::kBadRequest,
       "path \"/v1/shelves/%4\": malformed percent-encoding at offset 12"},
      {"encoded NUL", "GET", "/v1/shelves/a%00", Outcome::kBadRequest,
       "path \"/v1/shelves/a%00\": encoded NUL at offset 13"},
      {"no leading slash", "GET", "v1/shelves", Outcome::kBadRequest,
       "path \"v1/shelves\": must start with '/'"},
      {"backslash", "GET", "/v1\\shelves", Outcome::kBadRequest,
       "path \"/v1\\shelves\": forbidden character at offset 3"},
      {"fragment", "GET", "/v1/shelves#x", Outcome::kBadRequest,
       "path \"/v1/shelves#x\": forbidden character at offset 11"},
      {"CR", "GET", "/v1/shelves\r", Outcome::kBadRequest,
       "path \"/v1/shelves\r\": forbidden character at offset 11"},
      // Dot segments are normalised.
      {"dot-dot removed", "GET", "/v1/shelves/1/../2", Outcome::kMatched,
       "M2|2"},
      {"encoded dot-dot removed", "GET", "/v1/x/%2e%2E/shelves",
       Outcome::kMatched, "M0"},
      {"dot removed", "GET", "/v1/./shelves", Outcome::kMatched, "M0"},
      {"trailing dot leaves a trailing slash", "GET", "/v1/shelves/.",
       Outcome::kNotFound, "no route matches \"/v1/shelves/.\""},
      {"escaping the root", "GET", "/..", Outcome::kBadRequest,
       "path \"/..\": '..' escapes the root"},
      {"escaping the root later", "GET", "/v1/../../shelves",
       Outcome::kBadRequest,
       "path \"/v1/../../shelves\": '..' escapes the root"},
      {"dot-dot inside a ** value removed", "GET", "/v1/lookup/a/%2e%2e/b",
       Outcome::kMatched, "M6|b"},
      {"encoded dots with other text are data", "GET", "/v1/shelves/a%2e%2e",
       Outcome::kMatched, "M2|a.."},
      {"dots inside a name are data", "GET", "/v1/shelves/..a",
       Outcome::kMatched, "M2|..a"},
      // Not found.
      {"unknown path", "GET", "/nothing", Outcome::kNotFound,
       "no route matches \"/nothing\""},
      {"root", "GET", "/", Outcome::kNotFound, "no route matches \"/\""},
      {"trailing slash", "GET", "/v1/shelves/", Outcome::kNotFound,
       "no route matches \"/v1/shelves/\""},
      {"empty segment does not match *", "GET", "/v1/shelves//books/2",
       Outcome::kNotFound, "no route matches \"/v1/shelves//books/2\""},
      {"too many segments", "GET", "/v1/shelves/1/books/2/x/y/z",
       Outcome::kMatched, "M21|1|books/2/x/y/z"},
  };
  for (const MatchCase& c : kCases) {
    RouteMatch m = table_->Match(c.http_method, c.path);
    EXPECT_EQ(m.outcome, c.outcome) << c.rule << ": " << Describe(m);
    EXPECT_EQ(Describe(m), c.expected) << c.rule;
  }
}

TEST_F(RouteTableMatchTest, MatchedRouteCarriesItsTemplateAndSource) {
  RouteMatch m = table_->Match("POST", "/t.S/M0");
  ASSERT_EQ(m.outcome, Outcome::kMatched);
  EXPECT_EQ(m.route->source, RouteSource::kGrpcPath);
  EXPECT_EQ(m.route->body, RouteBody::kWholeMessage);
  m = table_->Match("GET", "/v1/shelves");
  ASSERT_EQ(m.outcome, Outcome::kMatched);
  EXPECT_EQ(m.route->source, RouteSource::kAnnotation);
  EXPECT_EQ(m.route->path.text(), "/v1/shelves");
}

TEST(RouteTableMatchRootTest, RootTemplateMatchesOnlyRoot) {
  testing::TestPool pool;
  const RouteSpec routes[] = {{"GET", "/"}, {"GET", "/{a}"}};
  ASSERT_TRUE(pool.Add(ServiceProto(routes)).ok());
  auto table = RouteTable::Build({pool.Service("t.S")});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(Describe((*table)->Match("GET", "/")), "M0");
  EXPECT_EQ(Describe((*table)->Match("GET", "/x")), "M1|x");
  EXPECT_EQ(Describe((*table)->Match("GET", "/x/..")), "M0");
  EXPECT_EQ(Describe((*table)->Match("GET", "/.")), "M0");
}

// Arbitrary paths over a hostile alphabet never crash, and a match always
// binds one value per variable.
TEST_F(RouteTableMatchTest, ArbitraryPathsKeepInvariants) {
  constexpr std::string_view kAlphabet = "/%:.2eEfFav1*{}=x\\#0";
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  const char* kMethods[] = {"GET", "POST", "PUT", "LIST"};
  for (int i = 0; i < 20000; ++i) {
    std::string path = "/";
    const int length = static_cast<int>(next() % 24);
    for (int k = 0; k < length; ++k)
      path += kAlphabet[next() % kAlphabet.size()];
    RouteMatch m = table_->Match(kMethods[next() % 4], path);
    if (m.outcome == Outcome::kMatched) {
      ASSERT_EQ(m.variable_values.size(), m.route->path.variables().size())
          << path;
    } else if (m.outcome == Outcome::kMethodNotAllowed) {
      ASSERT_FALSE(m.allow.empty()) << path;
    } else {
      ASSERT_FALSE(m.error.empty()) << path;
    }
  }
}

}  // namespace
}  // namespace protogate::routing
