// End-to-end tests of the gateway: real HTTP in, real gRPC out.
#include "gateway/server/gateway.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;
namespace {

using ::testing::HasSubstr;

using GatewayTest = GatewayFixture;

TEST_F(GatewayTest, GetBookReturnsProto3Json) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books/1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["id"].GetString(), "1");  // int64 as a string
  EXPECT_STREQ(doc["shelfId"].GetString(), "1");
  EXPECT_STREQ(doc["title"].GetString(), "The Left Hand of Darkness");
  EXPECT_STREQ(doc["genre"].GetString(), "GENRE_FICTION");
  EXPECT_STREQ(doc["publishTime"].GetString(), "1969-03-01T00:00:00Z");
  EXPECT_STREQ(doc["ISBN"].GetString(), "9780441478125");  // json_name
  EXPECT_EQ(doc["pageCount"].GetInt(), 304);
  EXPECT_DOUBLE_EQ(doc["price"].GetDouble(), 9.99);
  EXPECT_TRUE(doc["inStock"].GetBool());
  EXPECT_STREQ(doc["coverThumbnail"].GetString(), "iVBORw0KGgo=");
  EXPECT_STREQ(doc["authors"][0]["familyName"].GetString(), "Le Guin");
  EXPECT_EQ(doc["authors"][0]["born"].GetInt(), 1929);
  EXPECT_STREQ(doc["labels"]["language"].GetString(), "en");
  EXPECT_STREQ(doc["tags"][1].GetString(), "science-fiction");
}

TEST_F(GatewayTest, ListBooksTakesFiltersFromTheQuery) {
  testing::HttpResponse r =
      Call("GET", "/v1/shelves/2/books?genre=GENRE_SCIENCE&pageSize=1");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_EQ(doc["books"].Size(), 1u);
  EXPECT_STREQ(doc["books"][0]["title"].GetString(), "A Brief History of Time");
  EXPECT_EQ(doc["total"].GetInt(), 2);

  r = Call("GET", "/v1/shelves/2/books?tags=popular-science&tags=evolution");
  ASSERT_EQ(r.status, 200) << r.body;
  doc = Json(r);
  ASSERT_EQ(doc["books"].Size(), 1u);
  EXPECT_STREQ(doc["books"][0]["title"].GetString(), "The Selfish Gene");
}

TEST_F(GatewayTest, CreateBookFromBodyField) {
  testing::HttpResponse r = Call(
      "POST", "/v1/shelves/2/books",
      R"({"title":"Cosmos","genre":"GENRE_SCIENCE","authors":[{"givenName":"Carl","familyName":"Sagan"}],"publishTime":"1980-10-01T00:00:00Z","labels":{"language":"en"},"price":14.5})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["id"].GetString(), "7");
  EXPECT_STREQ(doc["shelfId"].GetString(), "2");
  EXPECT_STREQ(doc["publishTime"].GetString(), "1980-10-01T00:00:00Z");

  r = Call("GET", "/v1/shelves/2/books/7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Json(r)["title"].GetString(), "Cosmos");
}

TEST_F(GatewayTest, PatchBindsNestedPathFields) {
  testing::HttpResponse r =
      Call("PATCH", "/v1/shelves/1/books/2",
           R"json({"title":"Beloved (2004 edition)"})json");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["id"].GetString(), "2");
  EXPECT_STREQ(doc["shelfId"].GetString(), "1");
  EXPECT_STREQ(doc["title"].GetString(), "Beloved (2004 edition)");
}

TEST_F(GatewayTest, PatchFillsTheUpdateMaskFromTheBody) {
  testing::HttpResponse r = Call("PATCH", "/v1/shelves/1/books/1",
                                 R"({"price":7.5,"inStock":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_DOUBLE_EQ(doc["price"].GetDouble(), 7.5);
  EXPECT_FALSE(doc.HasMember("inStock"));
  // Fields outside the mask are kept.
  EXPECT_STREQ(doc["title"].GetString(), "The Left Hand of Darkness");
  EXPECT_EQ(doc["authors"].Size(), 1u);

  // A mask the client sends is used as is.
  r = Call("PATCH", "/v1/shelves/1/books/1?updateMask=tags",
           R"({"price":1,"tags":["x"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  doc = Json(r);
  EXPECT_DOUBLE_EQ(doc["price"].GetDouble(), 7.5);
  EXPECT_STREQ(doc["tags"][0].GetString(), "x");
}

TEST_F(GatewayTest, MultiSegmentVariable) {
  testing::HttpResponse r = Call("GET", "/v1/lookup/shelves/2/books/5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Json(r)["title"].GetString(), "The Selfish Gene");
}

TEST_F(GatewayTest, WholeBodyWithVerb) {
  testing::HttpResponse r =
      Call("POST", "/v1/isbn:check", R"({"isbns":["9780441478125","123"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_TRUE(doc["valid"]["9780441478125"].GetBool());
  EXPECT_FALSE(doc["valid"]["123"].GetBool());
}

TEST_F(GatewayTest, DeleteReturnsEmptyObject) {
  testing::HttpResponse r = Call("DELETE", "/v1/shelves/1/books/3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(Call("GET", "/v1/shelves/1/books/3").status, 404);
}

TEST_F(GatewayTest, UnannotatedMethodOnGrpcPath) {
  testing::HttpResponse r =
      Call("POST", "/demo.bookstore.v1.Bookstore/Stats", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["shelves"].GetInt(), 2);
  EXPECT_EQ(doc["books"].GetInt(), 6);
  EXPECT_EQ(doc["booksPerShelf"]["1"].GetInt(), 3);

  r = Call("POST", "/demo.bookstore.v1.Bookstore/GetBook",
           R"({"shelf":"2","book":4})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Json(r)["title"].GetString(), "A Brief History of Time");
}

TEST_F(GatewayTest, BackendNotFoundMapsTo404WithStatusBody) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books/42");
  EXPECT_EQ(r.status, 404);
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 5);
  EXPECT_STREQ(doc["message"].GetString(), "book 42 not found on shelf 1");
  ASSERT_TRUE(doc["details"].IsArray());
}

TEST_F(GatewayTest, BackendErrorDetailsArePrintedAsJson) {
  testing::HttpResponse r = Call("POST", "/v1/shelves", R"({"theme":""})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 3);
  EXPECT_THAT(doc["message"].GetString(), HasSubstr("shelf.theme"));
  ASSERT_EQ(doc["details"].Size(), 1u);
  EXPECT_STREQ(doc["details"][0]["@type"].GetString(),
               "type.googleapis.com/google.rpc.BadRequest");
  ASSERT_TRUE(doc["details"][0].HasMember("fieldViolations")) << r.body;
  EXPECT_STREQ(doc["details"][0]["fieldViolations"][0]["field"].GetString(),
               "shelf.theme");
}

TEST_F(GatewayTest, UnknownJsonFieldIs400NamingIt) {
  testing::HttpResponse r =
      Call("POST", "/v1/shelves/1/books", R"({"title":"x","titel":"y"})");
  EXPECT_EQ(r.status, 400);
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 3);
  EXPECT_THAT(doc["message"].GetString(), HasSubstr("titel"));
}

TEST_F(GatewayTest, TypeMismatchIs400NamingTheField) {
  testing::HttpResponse r = Call("POST", "/v1/shelves/1/books",
                                 R"({"title":"x","pageCount":"many"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("pageCount"));

  r = Call("POST", "/v1/shelves/1/books",
           R"({"authors":[{"born":1},{"born":"x"}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("authors[1].born"));
}

TEST_F(GatewayTest, MalformedJsonIs400) {
  testing::HttpResponse r = Call("POST", "/v1/shelves/1/books", R"({"title":)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json(r)["code"].GetInt(), 3);
}

TEST_F(GatewayTest, BadPathValueIs400NamingTheField) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/abc/books/1");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("shelf"));
}

TEST_F(GatewayTest, UnknownQueryParameterIs400NamingIt) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books?colour=red");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("colour"));
}

TEST_F(GatewayTest, WrongContentTypeIs415) {
  testing::HttpResponse r = Call("POST", "/v1/shelves/1/books", "title=x",
                                 {"Content-Type: text/plain"});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(Json(r)["code"].GetInt(), 3);
}

TEST_F(GatewayTest, UnknownPathIs404Status) {
  testing::HttpResponse r = Call("GET", "/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.body,
      R"({"code":5,"message":"no route for GET /v2/nothing","details":[]})");
}

TEST_F(GatewayTest, WrongMethodIs405WithAllow) {
  testing::HttpResponse r = Call("PUT", "/v1/shelves/1/books/1", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "DELETE, GET, PATCH");
  EXPECT_EQ(Json(r)["code"].GetInt(), 12);

  r = Call("GET", "/demo.bookstore.v1.Bookstore/Stats");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
}

TEST_F(GatewayTest, HealthzAndRoutes) {
  testing::HttpResponse r = Call("GET", "/-/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"SERVING"})");

  r = Call("GET", "/-/routes");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document doc = Json(r);
  const auto& routes = doc["routes"];
  bool found_get_book = false;
  for (const auto& route : routes.GetArray()) {
    if (std::string(route["method"].GetString()) ==
            "demo.bookstore.v1.Bookstore.GetBook" &&
        std::string(route["httpMethod"].GetString()) == "GET") {
      EXPECT_STREQ(route["path"].GetString(),
                   "/v1/shelves/{shelf}/books/{book}");
      EXPECT_STREQ(route["source"].GetString(), "annotation");
      found_get_book = true;
    }
  }
  EXPECT_TRUE(found_get_book) << r.body;
  // 16 annotated methods (ListBooks with an additional binding) + 17
  // implicit gRPC-path routes.
  EXPECT_EQ(routes.Size(), 34u);
}

TEST_F(GatewayTest, AdditionalBindingWithResponseBodyAnswersTheBareField) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/2/books:list?pageSize=1");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.IsArray()) << r.body;
  ASSERT_EQ(doc.Size(), 1u);
  EXPECT_STREQ(doc[0]["title"].GetString(), "A Brief History of Time");
}

TEST_F(GatewayTest, HttpBodyResponseIsSentRaw) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books/1/cover");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "image/png");
  EXPECT_EQ(r.body, "\x89PNG\r\n\x1a\n");
  // Errors stay google.rpc.Status JSON.
  r = Call("GET", "/v1/shelves/1/books/2/cover");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Json(r)["code"].GetInt(), 5);
}

TEST_F(GatewayTest, HttpBodyRequestFieldTakesTheRawBodyBesidePathFields) {
  const std::string image(
      "GIF89a\0\x01"
      "binary",
      14);
  testing::HttpResponse r = Call("PUT", "/v1/shelves/1/books/2/cover", image,
                                 {"Content-Type: image/gif"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Json(r)["title"].GetString(), "Beloved");
  r = Call("GET", "/v1/shelves/1/books/2/cover");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, image);

  r = Call("PUT", "/v1/shelves/1/books/2/cover", "text",
           {"Content-Type: text/plain"});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("image/*"));
}

TEST_F(GatewayTest, HttpBodyAsTheWholeRequest) {
  testing::HttpResponse r =
      Call("POST", "/v1/books:import",
           "1,Dune,GENRE_FICTION\n2,Cosmos,GENRE_SCIENCE\n",
           {"Content-Type: text/csv"});
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_EQ(doc["books"].Size(), 2u);
  EXPECT_STREQ(doc["books"][1]["title"].GetString(), "Cosmos");
  EXPECT_STREQ(doc["books"][1]["shelfId"].GetString(), "2");

  r = Call("POST", "/v1/books:import", "1,Dune,FICTION\n",
           {"Content-Type: text/csv"});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("line 1"));
}

TEST_F(GatewayTest, BodyOnANoBodyRouteAndQueryOnAWholeBodyRouteAre400) {
  testing::HttpResponse r = Call("GET", "/v1/shelves/1", R"({"x":1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("body"));

  r = Call("POST", "/v1/isbn:check?isbns=1", R"({"isbns":["2"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("isbns"));

  r = Call("POST", "/v1/shelves/1/books", R"({"title":"x","shelfId":"9"})");
  ASSERT_EQ(r.status, 200) << r.body;  // book.shelf_id is not path-bound here.
}

TEST_F(GatewayTest, FieldBoundByThePathCannotComeFromTheBodyOrQuery) {
  testing::HttpResponse r =
      Call("PATCH", "/v1/shelves/1/books/2", R"({"id":"3","title":"x"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("book.id"));

  r = Call("GET", "/v1/shelves/1/books/2?book=3");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("book"));
}

TEST_F(GatewayTest, ServesTheOpenApiDocumentOfTheLiveRoutes) {
  testing::HttpResponse r = Call("GET", "/-/openapi.json");
  ASSERT_EQ(r.status, 200);
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["openapi"].GetString(), "3.1.0");
  ASSERT_TRUE(doc["paths"].HasMember("/v1/shelves/{shelf}/books/{book}"));
  EXPECT_TRUE(
      doc["paths"]["/v1/shelves/{shelf}/books/{book}"].HasMember("get"));
  EXPECT_EQ(Call("POST", "/-/openapi.json", "{}").status, 405);
  EXPECT_EQ(Call("GET", "/-/nothing").status, 404);
}

TEST_F(GatewayTest, BackendKilledGives503AndGatewayKeepsServing) {
  ASSERT_EQ(Call("GET", "/v1/shelves").status, 200);
  backend_->Shutdown();
  for (int i = 0; i < 3; ++i) {
    testing::HttpResponse r = Call("GET", "/v1/shelves/1");
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.body,
              R"({"code":14,"message":"upstream unavailable","details":[]})");
  }
  EXPECT_EQ(Call("GET", "/-/healthz").status, 200);
}

// Routing settings from configuration: rules replacing annotations, no
// implicit gRPC paths, query handling, per-method settings.
class GatewayConfiguredTest : public GatewayFixture {
 protected:
  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    StartGateway(backend_->address(), absl::Seconds(5),
                 [](SnapshotOptions& options) {
                   MergeYaml(options.config, R"(
http:
  rules:
    - {selector: demo.bookstore.v1.Bookstore.Stats, get: /v1/stats}
    - {selector: demo.bookstore.v1.Bookstore.GetShelf, get: "/v2/shelf/{shelf}"}
  grpc_paths: false
  always_ignored_query_params: [api_key]
  query_plus_as_space: true
methods:
  - {selector: demo.bookstore.v1.Bookstore.ListShelves, ignore_unknown_query_params: true}
  - {selector: demo.bookstore.v1.Bookstore.GetBook, timeout: 1.5s}
)");
                 });
  }
};

TEST_F(GatewayConfiguredTest, ConfigRulesExposeAndReplaceRoutes) {
  testing::HttpResponse r = Call("GET", "/v1/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r)["books"].GetInt(), 6);
  // The config rule replaces GetShelf's annotation.
  EXPECT_EQ(Call("GET", "/v2/shelf/1").status, 200);
  EXPECT_EQ(Call("GET", "/v1/shelves/1").status, 404);
  // No implicit POST /pkg.Service/Method routes.
  EXPECT_EQ(Call("POST", "/demo.bookstore.v1.Bookstore/Stats", "{}").status,
            404);
  r = Call("GET", "/-/routes");
  EXPECT_THAT(r.body, HasSubstr(R"({"method":"demo.bookstore.v1.Bookstore.)"
                                R"(Stats","httpMethod":"GET","path":"/v1/)"
                                R"(stats","source":"config"})"));
}

TEST_F(GatewayConfiguredTest, QueryHandlingFollowsTheConfig) {
  // Always-ignored parameter, on every route.
  EXPECT_EQ(Call("GET", "/v1/shelves/1/books?api_key=secret").status, 200);
  // Unknown parameters are ignored only where a method setting says so.
  EXPECT_EQ(Call("GET", "/v1/shelves?colour=red").status, 200);
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books?colour=red");
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("colour"));
  // '+' is a space here: "sci+fi" finds the book tagged "sci fi".
  ASSERT_EQ(Call("POST", "/v1/shelves/2/books",
                 R"({"title":"Solaris","tags":["sci fi"]})")
                .status,
            200);
  r = Call("GET", "/v1/shelves/2/books?tags=sci+fi");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.HasMember("books")) << r.body;
  EXPECT_STREQ(doc["books"][0]["title"].GetString(), "Solaris");
}

TEST(SnapshotSettingsTest, LongestSelectorSetsEachRoutesTimeout) {
  SnapshotOptions options =
      OptionsFor(DemoDescriptorSet(), "demo", "127.0.0.1:1");
  MergeYaml(options.config, R"(
methods:
  - {selector: demo.bookstore, timeout: 7s}
  - {selector: demo.bookstore.v1.Bookstore.GetBook, timeout: 2s}
  - {selector: demo.book, timeout: 1s}
)");
  auto snapshot = Snapshot::Build(options);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  for (const routing::Route& route : (*snapshot)->routes().routes()) {
    absl::Duration want =
        route.method->name() == "GetBook" ? absl::Seconds(2) : absl::Seconds(7);
    EXPECT_EQ((*snapshot)->runtime(route).timeout, want)
        << route.method->full_name();
  }
}

class GatewayNoBackendTest : public GatewayFixture {
 protected:
  void SetUp() override {
    // A port nothing listens on: bind one, then release it.
    auto probe = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(probe.ok());
    std::string target = (*probe)->address();
    probe->reset();
    StartGateway(target);
  }
};

TEST_F(GatewayNoBackendTest, BackendDownIs503Fast) {
  absl::Time start = absl::Now();
  testing::HttpResponse r = Call("GET", "/v1/shelves");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(Json(r)["code"].GetInt(), 14);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

// A TCP listener that never accepts: connections complete in the kernel but
// no HTTP/2 handshake ever comes back, like a hung backend.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 64);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_;
  int port_;
};

class GatewayHungBackendTest : public GatewayFixture {
 protected:
  void SetUp() override {
    StartGateway(absl::StrCat("127.0.0.1:", listener_.port()),
                 absl::Milliseconds(300));
  }
  SilentListener listener_;
};

TEST_F(GatewayHungBackendTest, BackendThatNeverAnswersIs504AtTheDeadline) {
  absl::Time start = absl::Now();
  testing::HttpResponse r = Call("GET", "/v1/shelves");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"code":4,"message":"upstream deadline exceeded","details":[]})");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(250));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

class GatewayHungBackendLongTimeoutTest : public GatewayFixture {
 protected:
  void SetUp() override {
    StartGateway(absl::StrCat("127.0.0.1:", listener_.port()),
                 absl::Seconds(30));
  }
  SilentListener listener_;
};

TEST_F(GatewayHungBackendLongTimeoutTest, ClientMayAskForAShorterDeadline) {
  for (const char* header : {"grpc-timeout: 200m", "X-Server-Timeout: 0.2"}) {
    absl::Time start = absl::Now();
    testing::HttpResponse r = Call("GET", "/v1/shelves", "", {header});
    EXPECT_EQ(r.status, 504) << header << " " << r.body;
    EXPECT_LT(absl::Now() - start, absl::Seconds(5)) << header;
  }
}

TEST_F(GatewayTest, MalformedTimeoutHeadersAre400NamingThem) {
  testing::HttpResponse r =
      Call("GET", "/v1/shelves", "", {"grpc-timeout: soon"});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("grpc-timeout"));
  r = Call("GET", "/v1/shelves", "", {"x-server-timeout: -1"});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("x-server-timeout"));
  // A longer deadline than the route's is capped, not refused.
  EXPECT_EQ(Call("GET", "/v1/shelves", "", {"grpc-timeout: 99999999H"}).status,
            200);
}

}  // namespace
}  // namespace protogate::server
