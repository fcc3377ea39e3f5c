// The real protogate binary over HTTP/2 by prior knowledge: curl
// (--http2-prior-knowledge) for requests, streams and admin endpoints, and
// h2load for load under the http2 limits of the config file.
#include <stdio.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/gateway_process.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

std::string RunShell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    out.append(buffer, n);
  }
  pclose(pipe);
  return out;
}

// curl over h2c; the output ends with "\n<http_version> <status>".
std::string CurlPath(const testing::GatewayProcess& gateway,
                     const std::string& args, const std::string& path) {
  return RunShell(absl::StrCat(
      "curl -sS --max-time 20 --http2-prior-knowledge -w '\\n%{http_version} "
      "%{http_code}' ",
      args, " '", gateway.url(), path, "'"));
}

class H2cCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(gateway_
                    .Start("server: {http2: {max_concurrent_streams: 8, "
                           "initial_stream_window_bytes: 65535}}\n")
                    .ok());
  }
  testing::GatewayProcess gateway_;
};

TEST_F(H2cCliTest, CurlGetsAndPostsOverHttp2) {
  std::string get = CurlPath(gateway_, "", "/v1/shelves/1/books/1");
  EXPECT_THAT(get, HasSubstr("\"title\":\"The Left Hand of Darkness\""));
  EXPECT_TRUE(absl::EndsWith(get, "\n2 200")) << get;

  std::string post = CurlPath(
      gateway_,
      "-H 'Content-Type: application/json' -d '{\"title\":\"Cosmos\"}'",
      "/v1/shelves/2/books");
  EXPECT_THAT(post, HasSubstr("\"title\":\"Cosmos\""));
  EXPECT_TRUE(absl::EndsWith(post, "\n2 200")) << post;

  std::string missing = CurlPath(gateway_, "", "/v1/shelves/1/books/999");
  EXPECT_TRUE(absl::EndsWith(missing, "\n2 404")) << missing;
}

TEST_F(H2cCliTest, CurlStreamsAndReachesAdminEndpoints) {
  std::string stream = CurlPath(gateway_, "-H 'Accept: application/x-ndjson'",
                                "/v1/shelves/1/books:stream");
  EXPECT_THAT(stream, HasSubstr("\n{"));  // More than one line.
  EXPECT_TRUE(absl::EndsWith(stream, "\n2 200")) << stream;
  std::string health = CurlPath(gateway_, "", "/-/healthz");
  EXPECT_TRUE(absl::EndsWith(health, "\n2 200")) << health;
}

TEST_F(H2cCliTest, H2loadRequestsAllSucceedAtTheStreamLimit) {
  // 8 concurrent streams per connection, the configured limit. (More would
  // have h2load's first flight refused with REFUSED_STREAM before it reads
  // the server's SETTINGS; h2_server_test covers the refusal.)
  std::string out =
      RunShell(absl::StrCat("h2load -n 400 -c 2 -m 8 -t 1 ", gateway_.url(),
                            "/v1/shelves/1/books/1 2>&1"));
  EXPECT_THAT(out, HasSubstr("400 succeeded, 0 failed, 0 errored")) << out;
  EXPECT_THAT(out, HasSubstr("400 2xx")) << out;
}

}  // namespace
}  // namespace protogate::server
