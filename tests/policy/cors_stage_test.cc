// CorsStage on exchanges built as the proxy builds them (route outcomes
// included): preflights answered or refused, CORS headers on actual
// requests, per-method overrides.
#include "gateway/policy/cors_stage.h"

#include <string>

#include "gateway/config/config_loader.h"
#include "gtest/gtest.h"
#include "tests/testing/routed_request.h"

namespace protogate::policy {
namespace {

using ::protogate::testing::HeaderOf;
using ::protogate::testing::RoutedRequest;
using Kind = Verdict::Kind;

constexpr char kConfig[] = R"(
cors:
  allow_origins: ["https://app.example.test", "https://*.example.test"]
  allow_headers: [content-type, authorization, x-api-key]
  expose_headers: [x-request-id]
  allow_credentials: true
  max_age: 600s
methods:
  - selector: demo.bookstore.v1.Bookstore.DeleteBook
    cors: {allow_origins: ["https://admin.test"]}
)";

class CorsStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_ = testing::BookstoreRoutes();
    ASSERT_NE(routes_, nullptr);
    auto config = config::ParseConfigText(kConfig, "t.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    auto stage = CorsStage::Create(*config, *routes_);
    ASSERT_TRUE(stage.ok()) << stage.status();
    stage_ = *std::move(stage);
    ASSERT_NE(stage_, nullptr);
  }

  Verdict Preflight(const std::string& path, const std::string& origin,
                    const std::string& method,
                    const std::string& headers = "") {
    std::vector<http::Request::Header> h = {
        {"Origin", origin}, {"Access-Control-Request-Method", method}};
    if (!headers.empty())
      h.emplace_back("Access-Control-Request-Headers", headers);
    RoutedRequest r(*routes_, "OPTIONS", path, h);
    return stage_->Apply(r.exchange());
  }

  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<const Stage> stage_;
};

TEST_F(CorsStageTest, PreflightFromAnAllowedOriginIs204WithEveryHeader) {
  Verdict v = Preflight("/v1/shelves", "https://app.example.test", "POST",
                        "Content-Type, X-Api-Key");
  ASSERT_EQ(v.kind, Kind::kAnswer);
  EXPECT_EQ(v.response.status, 204);
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Origin"),
            "https://app.example.test");
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Headers"),
            "content-type, authorization, x-api-key");
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Max-Age"), "600");
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(HeaderOf(v.response, "Vary"), "Origin");
  EXPECT_TRUE(v.response.body.empty());
}

TEST_F(CorsStageTest, WildcardOriginsAllowSubdomainsOnly) {
  EXPECT_EQ(Preflight("/v1/shelves/1", "https://b.c.example.test", "GET")
                .response.status,
            204);
  for (const char* origin :
       {"https://example.test", "http://a.example.test",
        "https://a.example.test.evil.test", "https://a.example.test:8443",
        "https://evil.test/.example.test", "null"}) {
    Verdict v = Preflight("/v1/shelves/1", origin, "GET");
    ASSERT_EQ(v.kind, Kind::kAnswer) << origin;
    EXPECT_EQ(v.response.status, 403) << origin;
    EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Origin"), "")
        << origin;
  }
}

TEST_F(CorsStageTest, DisallowedMethodOrHeaderIs403WithoutCorsHeaders) {
  Verdict method = Preflight("/v1/shelves", "https://app.example.test", "PUT");
  EXPECT_EQ(method.response.status, 403);
  EXPECT_NE(method.response.body.find("method not allowed"), std::string::npos);
  Verdict header = Preflight("/v1/shelves", "https://app.example.test", "GET",
                             "content-type, x-secret");
  EXPECT_EQ(header.response.status, 403);
  EXPECT_NE(header.response.body.find("x-secret"), std::string::npos);
  EXPECT_EQ(HeaderOf(header.response, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(HeaderOf(header.response, "Vary"), "");
}

TEST_F(CorsStageTest, PreflightToAnUnknownPathPassesOn) {
  EXPECT_EQ(Preflight("/nowhere", "https://app.example.test", "GET").kind,
            Kind::kPass);
}

TEST_F(CorsStageTest, ActualRequestsFromAllowedOriginsGetCorsHeaders) {
  RoutedRequest r(*routes_, "GET", "/v1/shelves",
                  {{"Origin", "https://app.example.test"}});
  ASSERT_EQ(stage_->Apply(r.exchange()).kind, Kind::kPass);
  EXPECT_EQ(r.ResponseHeader("Access-Control-Allow-Origin"),
            "https://app.example.test");
  EXPECT_EQ(r.ResponseHeader("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(r.ResponseHeader("Access-Control-Expose-Headers"), "x-request-id");
  EXPECT_EQ(r.ResponseHeader("Vary"), "Origin");
  // Errors too: an unknown path still gets them (the 404 carries them).
  RoutedRequest missing(*routes_, "GET", "/nowhere",
                        {{"Origin", "https://app.example.test"}});
  ASSERT_EQ(stage_->Apply(missing.exchange()).kind, Kind::kPass);
  EXPECT_EQ(missing.ResponseHeader("Access-Control-Allow-Origin"),
            "https://app.example.test");
}

TEST_F(CorsStageTest, OtherOriginsAndSameOriginRequestsGetNothing) {
  RoutedRequest other(*routes_, "GET", "/v1/shelves",
                      {{"Origin", "https://evil.test"}});
  ASSERT_EQ(stage_->Apply(other.exchange()).kind, Kind::kPass);
  EXPECT_TRUE(other.exchange().response_headers().empty());
  RoutedRequest plain(*routes_, "GET", "/v1/shelves");
  ASSERT_EQ(stage_->Apply(plain.exchange()).kind, Kind::kPass);
  EXPECT_TRUE(plain.exchange().response_headers().empty());
}

TEST_F(CorsStageTest, GrpcPathsAcceptAndExposeTheGrpcWebHeaders) {
  const std::string path = "/demo.bookstore.v1.Bookstore/GetShelf";
  Verdict v = Preflight(path, "https://app.example.test", "POST",
                        "content-type,x-grpc-web,x-user-agent,grpc-timeout");
  ASSERT_EQ(v.kind, Kind::kAnswer);
  EXPECT_EQ(v.response.status, 204);
  EXPECT_EQ(HeaderOf(v.response, "Access-Control-Allow-Headers"),
            "content-type, authorization, x-api-key, x-grpc-web, "
            "x-user-agent, grpc-timeout");
  // Only gRPC paths: a REST route still refuses x-grpc-web.
  EXPECT_EQ(
      Preflight("/v1/shelves", "https://app.example.test", "POST", "x-grpc-web")
          .response.status,
      403);
  RoutedRequest call(*routes_, "POST", path,
                     {{"Origin", "https://app.example.test"},
                      {"Content-Type", "application/grpc-web+proto"}});
  ASSERT_EQ(stage_->Apply(call.exchange()).kind, Kind::kPass);
  EXPECT_EQ(call.ResponseHeader("Access-Control-Expose-Headers"),
            "x-request-id, grpc-status, grpc-message, "
            "grpc-status-details-bin");
}

TEST_F(CorsStageTest, PerMethodOverrideReplacesThePolicy) {
  const std::string book = "/v1/shelves/1/books/2";
  EXPECT_EQ(Preflight(book, "https://admin.test", "DELETE").response.status,
            204);
  EXPECT_EQ(
      Preflight(book, "https://app.example.test", "DELETE").response.status,
      403);
  EXPECT_EQ(Preflight(book, "https://app.example.test", "GET").response.status,
            204);
  RoutedRequest del(*routes_, "DELETE", book,
                    {{"Origin", "https://admin.test"}});
  ASSERT_EQ(stage_->Apply(del.exchange()).kind, Kind::kPass);
  EXPECT_EQ(del.ResponseHeader("Access-Control-Allow-Origin"),
            "https://admin.test");
  EXPECT_EQ(del.ResponseHeader("Access-Control-Allow-Credentials"), "");
}

TEST_F(CorsStageTest, NotConfiguredIsNoStage) {
  auto config = config::ParseConfigText("listen: 127.0.0.1:0", "t.yaml");
  ASSERT_TRUE(config.ok());
  auto stage = CorsStage::Create(*config, *routes_);
  ASSERT_TRUE(stage.ok());
  EXPECT_EQ(*stage, nullptr);
}

}  // namespace
}  // namespace protogate::policy
