// Tests of RouteTable::Build: the demo bookstore's routes, and load errors
// for bad annotations (services built at test time).
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "demo/bookstore.pb.h"
#include "gateway/routing/route_builder.h"
#include "gateway/routing/route_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/routing/test_pool.h"

namespace protogate::routing {
namespace {

using Outcome = RouteMatch::Outcome;

const google::protobuf::ServiceDescriptor* Bookstore() {
  return demo::bookstore::v1::Book::descriptor()->file()->FindServiceByName(
      "Bookstore");
}

std::string FieldNames(const FieldPath& path) {
  std::vector<std::string> names;
  for (const auto* field : path) names.push_back(field->name());
  return absl::StrJoin(names, ".");
}

// "GET /v1/x body=* response=f vars=a,b.c [grpc]" for one route.
std::string Describe(const Route& route) {
  std::string out = absl::StrCat(route.method->name(), " ", route.http_method,
                                 " ", route.path.text());
  if (route.body == RouteBody::kWholeMessage) absl::StrAppend(&out, " body=*");
  if (route.body == RouteBody::kField) {
    absl::StrAppend(&out, " body=", route.body_field->name());
  }
  if (route.response_body_field != nullptr) {
    absl::StrAppend(&out, " response=", route.response_body_field->name());
  }
  std::vector<std::string> vars;
  for (const FieldPath& path : route.variable_fields) {
    vars.push_back(FieldNames(path));
  }
  if (!vars.empty()) absl::StrAppend(&out, " vars=", absl::StrJoin(vars, ","));
  if (route.source == RouteSource::kGrpcPath) absl::StrAppend(&out, " [grpc]");
  return out;
}

TEST(RouteTableBuildTest, BuildsEveryDemoRouteInOrder) {
  auto table = RouteTable::Build({Bookstore()});
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> routes;
  for (const Route& route : (*table)->routes())
    routes.push_back(Describe(route));
  const std::string svc = "/demo.bookstore.v1.Bookstore/";
  const std::vector<std::string> expected = {
      "ListShelves GET /v1/shelves",
      "ListShelves POST " + svc + "ListShelves body=* [grpc]",
      "CreateShelf POST /v1/shelves body=shelf",
      "CreateShelf POST " + svc + "CreateShelf body=* [grpc]",
      "GetShelf GET /v1/shelves/{shelf} vars=shelf",
      "GetShelf POST " + svc + "GetShelf body=* [grpc]",
      "ListBooks GET /v1/shelves/{shelf}/books vars=shelf",
      "ListBooks GET /v1/shelves/{shelf}/books:list response=books vars=shelf",
      "ListBooks POST " + svc + "ListBooks body=* [grpc]",
      "GetBook GET /v1/shelves/{shelf}/books/{book} vars=shelf,book",
      "GetBook POST " + svc + "GetBook body=* [grpc]",
      "CreateBook POST /v1/shelves/{shelf}/books body=book vars=shelf",
      "CreateBook POST " + svc + "CreateBook body=* [grpc]",
      "UpdateBook PATCH /v1/shelves/{book.shelf_id}/books/{book.id} "
      "body=book vars=book.shelf_id,book.id",
      "UpdateBook POST " + svc + "UpdateBook body=* [grpc]",
      "DeleteBook DELETE /v1/shelves/{shelf}/books/{book} vars=shelf,book",
      "DeleteBook POST " + svc + "DeleteBook body=* [grpc]",
      "LookupBook GET /v1/lookup/{name=**} vars=name",
      "LookupBook POST " + svc + "LookupBook body=* [grpc]",
      "CheckIsbns POST /v1/isbn:check body=*",
      "CheckIsbns POST " + svc + "CheckIsbns body=* [grpc]",
      "GetBookCover GET /v1/shelves/{shelf}/books/{book}/cover "
      "vars=shelf,book",
      "GetBookCover POST " + svc + "GetBookCover body=* [grpc]",
      "UploadBookCover PUT /v1/shelves/{shelf}/books/{book}/cover "
      "body=cover vars=shelf,book",
      "UploadBookCover POST " + svc + "UploadBookCover body=* [grpc]",
      "ImportBooks POST /v1/books:import body=*",
      "ImportBooks POST " + svc + "ImportBooks body=* [grpc]",
      "StreamBooks GET /v1/shelves/{shelf}/books:stream vars=shelf",
      "StreamBooks POST " + svc + "StreamBooks body=* [grpc]",
      "CreateBooks POST /v1/shelves/{shelf}/books:batchCreate body=book "
      "vars=shelf",
      "CreateBooks POST " + svc + "CreateBooks body=* [grpc]",
      "LookupBooks POST /v1/books:lookupStream body=*",
      "LookupBooks POST " + svc + "LookupBooks body=* [grpc]",
      "Stats POST " + svc + "Stats body=* [grpc]",
  };
  EXPECT_EQ(routes, expected);
}

TEST(RouteTableBuildTest, MatchesDemoRequests) {
  auto built = RouteTable::Build({Bookstore()});
  ASSERT_TRUE(built.ok()) << built.status();
  const RouteTable& table = **built;
  struct Case {
    const char* method;
    const char* path;
    const char* expected;  // "Method|values" or the Allow list.
  };
  const Case kCases[] = {
      {"GET", "/v1/shelves", "ListShelves"},
      {"POST", "/v1/shelves", "CreateShelf"},
      {"GET", "/v1/shelves/1", "GetShelf|1"},
      {"GET", "/v1/shelves/1/books", "ListBooks|1"},
      {"GET", "/v1/shelves/1/books/2", "GetBook|1|2"},
      {"PATCH", "/v1/shelves/1/books/2", "UpdateBook|1|2"},
      {"DELETE", "/v1/shelves/1/books/2", "DeleteBook|1|2"},
      {"PUT", "/v1/shelves/1/books/2", "DELETE, GET, PATCH"},
      {"DELETE", "/v1/shelves", "GET, POST"},
      {"GET", "/v1/lookup/shelves/1/books/2", "LookupBook|shelves/1/books/2"},
      {"POST", "/v1/isbn:check", "CheckIsbns"},
      {"GET", "/v1/isbn:check", "POST"},
      {"POST", "/demo.bookstore.v1.Bookstore/Stats", "Stats"},
      {"GET", "/demo.bookstore.v1.Bookstore/Stats", "POST"},
  };
  for (const Case& c : kCases) {
    RouteMatch m = table.Match(c.method, c.path);
    std::string got =
        m.outcome == Outcome::kMatched ? m.route->method->name() : m.allow;
    for (const std::string& v : m.variable_values)
      absl::StrAppend(&got, "|", v);
    EXPECT_EQ(got, c.expected) << c.method << " " << c.path;
  }
}

TEST(RouteTableBuildTest, ResolvesVariableFieldDescriptors) {
  auto table = RouteTable::Build({Bookstore()});
  ASSERT_TRUE(table.ok()) << table.status();
  RouteMatch m = (*table)->Match("PATCH", "/v1/shelves/1/books/2");
  ASSERT_EQ(m.outcome, Outcome::kMatched);
  const auto* update = demo::bookstore::v1::UpdateBookRequest::descriptor();
  const auto* book = demo::bookstore::v1::Book::descriptor();
  ASSERT_EQ(m.route->variable_fields.size(), 2u);
  EXPECT_EQ(m.route->variable_fields[0],
            (FieldPath{update->FindFieldByName("book"),
                       book->FindFieldByName("shelf_id")}));
  EXPECT_EQ(m.route->body_field, update->FindFieldByName("book"));
}

// Services built at test time: one method M(Req) returns (Resp) with the
// given http option body; Req and Resp cover every field kind.
constexpr char kProtoHead[] = R"(
  syntax = "proto3";
  package t;
  import "google/api/annotations.proto";
  import "google/protobuf/timestamp.proto";
  import "google/protobuf/duration.proto";
  import "google/protobuf/wrappers.proto";
  import "google/protobuf/empty.proto";
  enum Color { COLOR_UNSPECIFIED = 0; RED = 1; }
  message Sub { string id = 1; Sub child = 2; repeated Sub subs = 3; }
  message Req {
    int64 shelf = 1; string name = 2; bytes raw = 3; Color color = 4;
    double d = 5; bool flag = 6; repeated string tags = 7;
    map<string, string> labels = 8; Sub sub = 9; repeated Sub subs = 10;
    google.protobuf.Timestamp at = 11; google.protobuf.Duration ttl = 12;
    google.protobuf.Int64Value count = 13;
    google.protobuf.StringValue label = 14;
    google.protobuf.Empty empty = 15;
    oneof choice { string one = 16; }
  }
  message Resp { string result = 1; repeated Sub items = 2; }
)";

absl::StatusOr<std::unique_ptr<RouteTable>> BuildWith(
    testing::TestPool& pool, const std::string& methods) {
  absl::Status added =
      pool.Add(absl::StrCat(kProtoHead, "service S {\n", methods, "}\n"));
  if (!added.ok()) return added;
  return RouteTable::Build({pool.Service("t.S")});
}

std::string Method(const std::string& name, const std::string& rule) {
  return absl::StrCat("rpc ", name, "(Req) returns (Resp) {",
                      " option (google.api.http) = { ", rule, " }; }\n");
}

TEST(RouteTableBuildTest, AcceptsEveryBindableFieldKind) {
  const char* kPaths[] = {"shelf", "name",   "raw",          "color", "d",
                          "flag",  "sub.id", "sub.child.id", "at",    "ttl",
                          "count", "label",  "one"};
  for (const char* path : kPaths) {
    testing::TestPool pool;
    auto table =
        BuildWith(pool, Method("M", absl::StrCat("get: \"/v1/{", path, "}\"")));
    EXPECT_TRUE(table.ok()) << path << ": " << table.status();
  }
}

TEST(RouteTableBuildTest, BuildsAdditionalBindingsWithTheirOwnBodies) {
  testing::TestPool pool;
  auto table = BuildWith(
      pool, Method("M",
                   "get: \"/v1/{name}\" response_body: \"result\" "
                   "additional_bindings { post: \"/v1/{name}:x\" body: \"*\" } "
                   "additional_bindings { put: \"/v2/{shelf}\" body: \"sub\" "
                   "response_body: \"items\" } "
                   "additional_bindings { custom { kind: \"*\" path: \"/v3\" } "
                   "}"));
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> routes;
  for (const Route& route : (*table)->routes())
    routes.push_back(Describe(route));
  EXPECT_EQ(routes, (std::vector<std::string>{
                        "M GET /v1/{name} response=result vars=name",
                        "M POST /v1/{name}:x body=* vars=name",
                        "M PUT /v2/{shelf} body=sub response=items vars=shelf",
                        "M * /v3",
                        "M POST /t.S/M body=* [grpc]",
                    }));
}

struct ErrorCase {
  const char* rule;
  std::string methods;
  std::string message;
};

// Build reports every method's problem and every conflict, one per line.
TEST(RouteTableBuildTest, ReportsEveryProblemOnePerLine) {
  testing::TestPool pool;
  auto table = BuildWith(pool, Method("A", "get: \"/v1/{nope}\"") +
                                   Method("B", "get: \"/v2/{gone}\"") +
                                   Method("C", "get: \"/v3\"") +
                                   Method("D", "get: \"/v3\""));
  ASSERT_FALSE(table.ok());
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(table.status().message()), '\n');
  ASSERT_EQ(lines.size(), 3u) << table.status();
  EXPECT_THAT(lines[0], ::testing::HasSubstr("method t.S.A: template"));
  EXPECT_THAT(lines[1], ::testing::HasSubstr("method t.S.B: template"));
  EXPECT_THAT(lines[2], ::testing::HasSubstr(
                            "method t.S.D: template \"/v3\": GET "
                            "conflicts with GET \"/v3\" of method t.S.C"));
}

TEST(RouteTableBuildTest, RejectsBadAnnotationsNamingMethodAndTemplate) {
  const std::string m = "method t.S.M: template ";
  const ErrorCase kCases[] = {
      {"field path through a scalar", Method("M", "get: \"/v1/{shelf.x}\""),
       m + "\"/v1/{shelf.x}\": field \"shelf.x\" not found in t.Req"},
      {"unknown field", Method("M", "get: \"/v1/{nope}\""),
       m + "\"/v1/{nope}\": field \"nope\" not found in t.Req"},
      {"unknown nested field", Method("M", "get: \"/v1/{sub.nope}\""),
       m + "\"/v1/{sub.nope}\": field \"sub.nope\" not found in t.Req"},
      {"repeated scalar", Method("M", "get: \"/v1/{tags}\""),
       m + "\"/v1/{tags}\": field \"tags\" is repeated"},
      {"map", Method("M", "get: \"/v1/{labels}\""),
       m + "\"/v1/{labels}\": field \"labels\" is a map"},
      {"message", Method("M", "get: \"/v1/{sub}\""),
       m + "\"/v1/{sub}\": field \"sub\" is a message (t.Sub), not a scalar"},
      {"non-scalar well-known type", Method("M", "get: \"/v1/{empty}\""),
       m + "\"/v1/{empty}\": field \"empty\" is a message "
           "(google.protobuf.Empty), not a scalar"},
      {"through a repeated message", Method("M", "get: \"/v1/{subs.id}\""),
       m + "\"/v1/{subs.id}\": field \"subs.id\": \"subs\" is repeated"},
      {"invalid template", Method("M", "get: \"/v1/{shelf\""),
       m + "\"/v1/{shelf\": unbalanced '{' at offset 4"},
      {"body not a field", Method("M", "post: \"/v1\" body: \"nope\""),
       m + "\"/v1\": body \"nope\" is not a top-level field of t.Req"},
      {"body nested", Method("M", "post: \"/v1\" body: \"sub.id\""),
       m + "\"/v1\": body \"sub.id\" is not a top-level field of t.Req"},
      {"response_body not a field",
       Method("M", "get: \"/v1\" response_body: \"nope\""),
       m + "\"/v1\": response_body \"nope\" is not a top-level field of "
           "t.Resp"},
      {"nested additional_bindings",
       Method("M",
              "get: \"/v1\" additional_bindings { get: \"/v2\" "
              "additional_bindings { get: \"/v3\" } }"),
       m + "\"/v2\": additional_bindings may not nest"},
      {"bad template in an additional binding",
       Method("M", "get: \"/v1\" additional_bindings { get: \"v2\" }"),
       m + "\"v2\": must start with '/' at offset 0"},
      {"no pattern", Method("M", "body: \"*\""),
       "method t.S.M: http rule has no pattern"},
      {"empty custom kind", Method("M", "custom { kind: \"\" path: \"/v1\" }"),
       m + "\"/v1\": invalid custom kind \"\""},
      {"custom kind not a token",
       Method("M", "custom { kind: \"GE T\" path: \"/v1\" }"),
       m + "\"/v1\": invalid custom kind \"GE T\""},
      {"same shape, same method, two gRPC methods",
       Method("A", "get: \"/v1/{name}\"") + Method("M", "get: \"/v1/*\""),
       m + "\"/v1/*\": GET conflicts with GET \"/v1/{name}\" of method t.S.A: "
           "both match the same requests"},
      {"same shape with literals and verb",
       Method("A", "post: \"/v1/{name=x/*}:go\"") +
           Method("M", "post: \"/v1/x/{shelf}:go\""),
       m + "\"/v1/x/{shelf}:go\": POST conflicts with POST "
           "\"/v1/{name=x/*}:go\" of method t.S.A: both match the same "
           "requests"},
      {"same custom kind *",
       Method("A", "custom { kind: \"*\" path: \"/v1/**\" }") +
           Method("M", "custom { kind: \"*\" path: \"/v1/{name=**}\" }"),
       m + "\"/v1/{name=**}\": * conflicts with * \"/v1/**\" of method "
           "t.S.A: both match the same requests"},
      {"annotation shadowing another method's gRPC path",
       Method("A", "get: \"/v1\"") + Method("M", "post: \"/t.S/A\""),
       m + "\"/t.S/A\": POST conflicts with POST \"/t.S/A\" of method t.S.A: "
           "both match the same requests"},
  };
  for (const ErrorCase& c : kCases) {
    testing::TestPool pool;
    auto table = BuildWith(pool, c.methods);
    ASSERT_FALSE(table.ok()) << c.rule;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition)
        << c.rule << ": " << table.status();
    // Each problem follows the method's .proto location.
    std::string message(table.status().message());
    static const std::regex kLocation("^test\\.proto:[0-9]+:[0-9]+: ");
    EXPECT_TRUE(std::regex_search(message, kLocation)) << message;
    EXPECT_EQ(std::regex_replace(message, kLocation, ""), c.message) << c.rule;
  }
}

TEST(RouteTableBuildTest, AllowsSameShapeForOtherMethodsAndKinds) {
  testing::TestPool pool;
  auto table = BuildWith(
      pool, Method("A", "get: \"/v1/{name}\"") +
                Method("B", "post: \"/v1/{shelf}\"") +
                Method("C", "custom { kind: \"*\" path: \"/v1/*\" }") +
                Method("D", "get: \"/v1/{name}:go\"") +
                Method("E", "get: \"/v1/x\""));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->Match("GET", "/v1/a").route->method->name(), "A");
  EXPECT_EQ((*table)->Match("POST", "/v1/a").route->method->name(), "B");
  EXPECT_EQ((*table)->Match("PUT", "/v1/a").route->method->name(), "C");
  EXPECT_EQ((*table)->Match("GET", "/v1/a:go").route->method->name(), "D");
  EXPECT_EQ((*table)->Match("GET", "/v1/x").route->method->name(), "E");
}

google::api::HttpRule ConfigRule(const std::string& selector,
                                 const std::string& get) {
  google::api::HttpRule rule;
  rule.set_selector(selector);
  rule.set_get(get);
  return rule;
}

TEST(RouteTableBuildTest, ConfigRulesOverrideAnnotationsOfTheirMethod) {
  testing::TestPool pool;
  ASSERT_TRUE(pool.Add(absl::StrCat(kProtoHead, "service S {\n",
                                    Method("A", "get: \"/annotated/a\""),
                                    Method("B", "get: \"/annotated/b\""),
                                    "rpc C(Req) returns (Resp); }\n"))
                  .ok());
  RouteTableOptions options;
  options.rules = {ConfigRule("t.S.A", "/config/a"),
                   ConfigRule("t.S.C", "/config/{name}")};
  options.grpc_paths = RouteTableOptions::GrpcPaths::kDisabled;
  auto table = RouteTable::Build({pool.Service("t.S")}, options);
  ASSERT_TRUE(table.ok()) << table.status();
  std::vector<std::string> routes;
  for (const Route& route : (*table)->routes()) {
    routes.push_back(Describe(route) +
                     (route.source == RouteSource::kConfig ? " [config]" : ""));
  }
  EXPECT_EQ(routes, (std::vector<std::string>{
                        "A GET /config/a [config]",
                        "B GET /annotated/b",
                        "C GET /config/{name} vars=name [config]",
                    }));
}

TEST(RouteTableBuildTest, DisabledGrpcPathsAreNotRoutes) {
  RouteTableOptions options;
  options.grpc_paths = RouteTableOptions::GrpcPaths::kDisabled;
  auto table = RouteTable::Build({Bookstore()}, options);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)->routes().size(), 17u);
  EXPECT_EQ(
      (*table)->Match("POST", "/demo.bookstore.v1.Bookstore/Stats").outcome,
      Outcome::kNotFound);
}

TEST(RouteTableBuildTest, RejectsBadConfigSelectors) {
  const struct {
    std::vector<google::api::HttpRule> rules;
    std::string message;
  } kCases[] = {
      {{ConfigRule("", "/x")},
       "http rule selector \"\": expected a method full name "
       "(pkg.Service.Method)"},
      {{ConfigRule("demo.*.Stats", "/x")},
       "http rule selector \"demo.*.Stats\": expected a method full name "
       "(pkg.Service.Method)"},
      {{ConfigRule("demo.bookstore.v1.Bookstore.Stats", "/x"),
        ConfigRule("demo.bookstore.v1.Bookstore.Stats", "/y")},
       "http rule selector \"demo.bookstore.v1.Bookstore.Stats\" given twice"},
      {{ConfigRule("demo.bookstore.v1.Bookstore.Nope", "/x")},
       "http rule selector \"demo.bookstore.v1.Bookstore.Nope\" matches no "
       "method"},
      {{ConfigRule("demo.bookstore.v1.Bookstore.Stats", "/v1/{nope}")},
       "method demo.bookstore.v1.Bookstore.Stats: template \"/v1/{nope}\": "
       "field \"nope\" not found in google.protobuf.Empty"},
  };
  for (const auto& c : kCases) {
    RouteTableOptions options;
    options.rules = c.rules;
    auto table = RouteTable::Build({Bookstore()}, options);
    ASSERT_FALSE(table.ok()) << c.message;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(std::string(table.status().message()), c.message);
  }
}

TEST(RouteTableBuildTest, CreateRejectsConflictingPrebuiltRoutes) {
  const auto* method = Bookstore()->FindMethodByName("GetShelf");
  auto first = GrpcPathRoute(*method);
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<Route> routes = {*first, *first};
  auto table = RouteTable::Create(std::move(routes));
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace protogate::routing
