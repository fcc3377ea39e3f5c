// CORS through the real protogate binary and demo backend: on the wire
// with a raw HTTP client, and in a real browser (headless Chromium driven
// by tests/policy/cors_browser.mjs) fetching from pages on other origins.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/http/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/http_client.h"

namespace protogate::policy {
namespace {

using ::protogate::testing::Fetch;
using ::protogate::testing::GatewayProcess;
using ::testing::HasSubstr;

constexpr char kCors[] =
    "cors:\n"
    "  allow_origins: [\"https://app.example.test\"]\n"
    "  allow_headers: [content-type, x-api-key]\n"
    "  expose_headers: [x-request-id]\n"
    "  allow_credentials: true\n"
    "  max_age: 600s\n";

TEST(CorsGatewayTest, PreflightAndActualRequestsOnTheWire) {
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start(absl::StrCat(
                      kCors,
                      "rate_limits: {policies: [{name: one, selector: "
                      "demo.bookstore.v1.Bookstore.GetShelf, requests: 1, "
                      "per: 60s}]}\n"))
                  .ok());
  const std::string origin = "Origin: https://app.example.test";
  auto preflight =
      Fetch(gateway.port(), "OPTIONS", "/v1/shelves", "",
            {origin, "Access-Control-Request-Method: POST",
             "Access-Control-Request-Headers: content-type,x-api-key"});
  ASSERT_TRUE(preflight.ok()) << preflight.status();
  EXPECT_EQ(preflight->status, 204);
  EXPECT_EQ(preflight->Header("Access-Control-Allow-Origin"),
            "https://app.example.test");
  EXPECT_EQ(preflight->Header("Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(preflight->Header("Access-Control-Allow-Headers"),
            "content-type, x-api-key");
  EXPECT_EQ(preflight->Header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(preflight->Header("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(preflight->Header("Vary"), "Origin");

  auto refused = Fetch(
      gateway.port(), "OPTIONS", "/v1/shelves", "",
      {"Origin: https://evil.test", "Access-Control-Request-Method: GET"});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->Header("Access-Control-Allow-Origin"), "");

  // Actual requests: a success, a 404 and a 429 all carry the headers.
  for (const auto& [target, status] : std::vector<std::pair<std::string, int>>{
           {"/v1/shelves/1", 200}, {"/v1/shelves/1", 429}, {"/nowhere", 404}}) {
    auto r = Fetch(gateway.port(), "GET", target, "", {origin});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status) << target;
    EXPECT_EQ(r->Header("Access-Control-Allow-Origin"),
              "https://app.example.test")
        << status;
    EXPECT_EQ(r->Header("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(r->Header("Access-Control-Expose-Headers"), "x-request-id");
  }
  auto other = Fetch(gateway.port(), "GET", "/v1/shelves", "",
                     {"Origin: https://x.test"});
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->Header("Access-Control-Allow-Origin"), "");
}

// Serves an empty HTML page, the document a test page's fetch runs in.
std::unique_ptr<http::Server> ServePage() {
  auto server = http::Server::Start(
      {.io_threads = 1}, [](const http::Request&, http::Responder responder) {
        http::Response page;
        page.headers.emplace_back("Content-Type", "text/html");
        page.body = "<!doctype html><title>page</title>";
        responder.Send(std::move(page));
      });
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

TEST(CorsGatewayTest, BrowserOnAnAllowedOriginGetsTheDataOthersFail) {
  auto allowed_page = ServePage();
  auto other_page = ServePage();
  ASSERT_TRUE(allowed_page != nullptr && other_page != nullptr);
  const std::string allowed =
      absl::StrCat("http://127.0.0.1:", allowed_page->port());
  const std::string other =
      absl::StrCat("http://127.0.0.1:", other_page->port());
  GatewayProcess gateway;
  ASSERT_TRUE(gateway
                  .Start(absl::StrCat("cors:\n  allow_origins: [\"", allowed,
                                      "\"]\n  allow_headers: [x-api-key]\n"
                                      "  expose_headers: [x-request-id]\n"
                                      "  allow_credentials: true\n"))
                  .ok());
  auto driver = testing::ChildProcess::Start(
      {"/usr/bin/env", "node", "tests/policy/cors_browser.mjs", gateway.url(),
       allowed + "/", other + "/"});
  ASSERT_TRUE(driver.ok()) << driver.status();
  auto first = (*driver)->ReadStdoutLine(absl::Seconds(90));
  auto second = (*driver)->ReadStdoutLine(absl::Seconds(60));
  auto code = (*driver)->Wait(absl::Seconds(30));
  const std::string log = (*driver)->ReadAllStderr(absl::Seconds(5));
  ASSERT_TRUE(first.ok() && second.ok()) << log;
  EXPECT_TRUE(code.ok() && *code == 0) << log;
  std::printf("browser: %s\nbrowser: %s\n", first->c_str(), second->c_str());
  // From the allowed origin the page reads the data and the exposed header.
  EXPECT_THAT(*first, HasSubstr("\"ok\":true,\"status\":200"));
  EXPECT_THAT(*first, HasSubstr("\\\"shelves\\\""));
  EXPECT_THAT(*first, ::testing::Not(HasSubstr("\"requestId\":null")));
  // From another origin the preflight is refused: the fetch fails.
  EXPECT_THAT(*second, HasSubstr("\"ok\":false"));
  EXPECT_THAT(*second, HasSubstr("Failed to fetch"));
}

// gRPC-Web from a browser page on another origin: with only the origin
// configured, the preflight accepts the gRPC-Web request headers and the
// page reads the trailers-only status from the exposed grpc-status and
// grpc-message headers.
TEST(CorsGatewayTest, BrowserGrpcWebCallReadsTheStatusAcrossOrigins) {
  auto allowed_page = ServePage();
  ASSERT_TRUE(allowed_page != nullptr);
  const std::string allowed =
      absl::StrCat("http://127.0.0.1:", allowed_page->port());
  GatewayProcess gateway;
  ASSERT_TRUE(
      gateway
          .Start(absl::StrCat("cors:\n  allow_origins: [\"", allowed, "\"]\n"))
          .ok());
  auto driver = testing::ChildProcess::Start(
      {"/usr/bin/env", "node", "tests/policy/cors_browser.mjs", "--grpc-web",
       gateway.url(), allowed + "/"});
  ASSERT_TRUE(driver.ok()) << driver.status();
  auto line = (*driver)->ReadStdoutLine(absl::Seconds(90));
  auto code = (*driver)->Wait(absl::Seconds(30));
  const std::string log = (*driver)->ReadAllStderr(absl::Seconds(5));
  ASSERT_TRUE(line.ok()) << log;
  EXPECT_TRUE(code.ok() && *code == 0) << log;
  std::printf("browser: %s\n", line->c_str());
  EXPECT_THAT(*line, HasSubstr("\"ok\":true,\"status\":200"));
  EXPECT_THAT(*line, HasSubstr("\"grpcStatus\":\"5\""));
  EXPECT_THAT(*line, HasSubstr("\"grpcMessage\":\"shelf 999 not found\""));
}

}  // namespace
}  // namespace protogate::policy
