// The auth stage end to end: a config file's `auth` (parsed and validated
// like a real one) built by server::BuildStageChain into a Gateway over real
// sockets, a real demo backend that echoes the x-demo-echo-* metadata it
// receives, a real HTTPS JWKS server and tokens from python3-jwt.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/auth/openapi_security.h"
#include "gateway/config/config_loader.h"
#include "gateway/server/stages.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/auth/auth_test_env.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

constexpr char kBook[] = "/v1/shelves/1/books/1";
constexpr char kStream[] = "/v1/shelves/1/books:stream";

class AuthGatewayTest : public GatewayFixture {
 protected:
  static void SetUpTestSuite() {
    env_ = new auth::testing::AuthTestEnv();
    jwks_ = new auth::testing::JwksServer(*env_);
    const std::string claims =
        "\"iss\":\"https://id.example.test\",\"aud\":\"library-api\","
        "\"sub\":\"alice\",\"exp\":\"@now+315360000\"";
    tokens_ = new std::vector<std::string>(env_->MintOnce(
        "gateway-tokens.json",
        absl::StrCat("[{\"kid\":\"es256\",\"alg\":\"ES256\",\"claims\":{",
                     claims,
                     ",\"scope\":\"library.read\"}},"
                     "{\"kid\":\"ps256\",\"alg\":\"PS256\",\"claims\":{",
                     claims, ",\"scope\":\"other\"}}]")));
  }
  static void TearDownTestSuite() {
    delete jwks_;
    delete env_;
  }

  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    auto config = config::ParseValidatedConfigText(ConfigYaml(), "auth.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *std::move(config);
    StartGateway(
        backend_->address(), absl::Seconds(5), [this](SnapshotOptions& o) {
          o.config.MergeFrom(config_);
          o.config.mutable_headers()->add_forward_prefixes("x-demo-echo-");
          o.config.mutable_headers()->add_forward_response()->set_prefix(
              "x-demo-echo-");
          auth::AddOpenApiSecurity(o.config, o.openapi);
          o.build_stages =
              [this, config = o.config](
                  const routing::RouteTable& routes,
                  std::shared_ptr<const policy::HeaderRules> rules) {
                return BuildStageChain(config, routes, std::move(rules),
                                       environment_);
              };
        });
    ASSERT_TRUE(environment_.jwks
                    .Get({.uri = jwks_->uri(), .ca_file = env_->ca_file()})
                    ->WaitForFetchCount(1, absl::Seconds(30)));
  }

  static std::string ConfigYaml() {
    return absl::StrCat(
        "auth:\n"
        "  jwt_providers:\n"
        "    - name: corp\n"
        "      issuer: https://id.example.test\n"
        "      audiences: [library-api]\n"
        "      jwks_uri: ",
        jwks_->uri(), "\n      jwks_ca_file: ", env_->ca_file(),
        "\n"
        "      forward_claims: {sub: x-demo-echo-user}\n"
        "  api_keys:\n"
        "    - name: partner-a\n"
        // printf %s secret-key-a | sha256sum
        "      sha256: "
        "98549b7031e565a343c120c6a768ff294d72c7283509bb3eb51fa859c64b0b7d\n"
        "      header: x-demo-echo-key\n"
        "      forward_as: {x-demo-echo-client: partner-a}\n"
        "      scopes: [library.read]\n"
        "method_defaults:\n"
        "  auth: {scopes: [library.read]}\n"
        "methods:\n"
        "  - selector: demo.bookstore.v1.Bookstore.ListShelves\n"
        "    auth: {allow_anonymous: true}\n");
  }

  std::string Bearer(int i) { return "Authorization: Bearer " + (*tokens_)[i]; }

  static auth::testing::AuthTestEnv* env_;
  static auth::testing::JwksServer* jwks_;
  static std::vector<std::string>* tokens_;
  config::v1::GatewayConfig config_;
  StageEnvironment environment_;
};

auth::testing::AuthTestEnv* AuthGatewayTest::env_ = nullptr;
auth::testing::JwksServer* AuthGatewayTest::jwks_ = nullptr;
std::vector<std::string>* AuthGatewayTest::tokens_ = nullptr;

TEST_F(AuthGatewayTest, NoTokenIs401BeforeTheBackend) {
  const testing::HttpResponse r = Call("GET", kBook);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer realm=\"protogate\"");
  EXPECT_THAT(r.body, HasSubstr("\"code\":16"));
  EXPECT_TRUE(r.Header("x-demo-server").empty());  // No backend call.
  EXPECT_FALSE(r.Header("x-request-id").empty());  // Earlier stage ran.
}

TEST_F(AuthGatewayTest, AVerifiedTokenSendsItsClaimNotTheSpoofedOne) {
  const testing::HttpResponse r =
      Call("GET", kBook, "", {Bearer(0), "x-demo-echo-user: mallory"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-demo-echo-user"), "alice");
}

TEST_F(AuthGatewayTest, MissingScopeIs403) {
  const testing::HttpResponse r = Call("GET", kBook, "", {Bearer(1)});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Header("www-authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"library.read\"");
  EXPECT_THAT(r.body, HasSubstr("\"code\":7"));
}

TEST_F(AuthGatewayTest, TheApiKeyIsVerifiedAndNotSentUpstream) {
  const testing::HttpResponse r =
      Call("GET", kBook, "", {"x-demo-echo-key: secret-key-a"});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-demo-echo-client"), "partner-a");
  EXPECT_TRUE(r.Header("x-demo-echo-key").empty());  // Stripped.
  const testing::HttpResponse wrong =
      Call("GET", kBook, "", {"x-demo-echo-key: secret-key-b"});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Header("www-authenticate"),
            "Bearer error=\"invalid_token\", "
            "error_description=\"API key not accepted\"");
}

TEST_F(AuthGatewayTest, StreamingRoutesAreProtectedToo) {
  EXPECT_EQ(Call("GET", kStream).status, 401);
  const testing::HttpResponse r = Call("GET", kStream, "", {Bearer(0)});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("title"));
}

TEST_F(AuthGatewayTest, TheGrpcPathRouteIsProtectedToo) {
  EXPECT_EQ(Call("POST", "/demo.bookstore.v1.Bookstore/GetBook",
                 "{\"shelf\":1,\"book\":1}", {"content-type: application/json"})
                .status,
            401);
}

TEST_F(AuthGatewayTest, AnonymousMethodsAnswerWithoutAToken) {
  EXPECT_EQ(Call("GET", "/v1/shelves").status, 200);
  EXPECT_EQ(
      Call("GET", "/v1/shelves", "", {"Authorization: Bearer x.y.z"}).status,
      401);  // A bad credential is still refused.
}

TEST_F(AuthGatewayTest, OpenApiDeclaresTheSchemesAndEachOperationsSecurity) {
  const testing::HttpResponse r = Call("GET", "/-/openapi.json");
  ASSERT_EQ(r.status, 200) << r.body;
  const rapidjson::Document doc = Json(r);
  const auto& schemes = doc["components"]["securitySchemes"];
  EXPECT_STREQ(schemes["corp"]["type"].GetString(), "http");
  EXPECT_STREQ(schemes["corp"]["scheme"].GetString(), "bearer");
  EXPECT_STREQ(schemes["corp"]["bearerFormat"].GetString(), "JWT");
  EXPECT_STREQ(schemes["partner-a"]["type"].GetString(), "apiKey");
  EXPECT_STREQ(schemes["partner-a"]["in"].GetString(), "header");
  EXPECT_STREQ(schemes["partner-a"]["name"].GetString(), "x-demo-echo-key");
  const auto& book =
      doc["paths"]["/v1/shelves/{shelf}/books/{book}"]["get"]["security"];
  ASSERT_EQ(book.Size(), 2u);
  EXPECT_STREQ(book[0]["corp"][0].GetString(), "library.read");
  EXPECT_STREQ(book[1]["partner-a"][0].GetString(), "library.read");
  const auto& shelves = doc["paths"]["/v1/shelves"]["get"]["security"];
  ASSERT_EQ(shelves.Size(), 3u);  // Anonymous calls pass: {} last.
  EXPECT_TRUE(shelves[2].IsObject() && shelves[2].ObjectEmpty());
}

}  // namespace
}  // namespace protogate::server
