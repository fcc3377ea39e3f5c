// Size limits and timeouts of http::Server over real sockets.
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/http/raw_client.h"
#include "tests/http/test_server.h"

namespace protogate::http {
namespace {

using ::protogate::http::testing::EchoHandler;
using ::protogate::http::testing::RawClient;
using ::protogate::http::testing::RawResponse;
using ::protogate::http::testing::StartOrDie;
using ::protogate::http::testing::TestOptions;
using ::testing::HasSubstr;

TEST(LimitsTest, DeclaredHugeBodyIsRejectedBeforeItIsSent) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  // Only the head is sent: the answer must not wait for the 10 GB body.
  ASSERT_TRUE(client->Send(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000000\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_THAT(response->body, HasSubstr("4194304"));
  EXPECT_TRUE(client->WaitForClose());
}

TEST(LimitsTest, BodyAtTheLimitIsAccepted) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 100;
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string body(100, 'b');
  ASSERT_TRUE(client->Send(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n" + body));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST / host=h\n" + body);
}

TEST(LimitsTest, LargeBodyWithinLimitArrivesWhole) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string body(1024 * 1024, 'z');
  ASSERT_TRUE(client->Send(absl::StrCat("PUT / HTTP/1.1\r\nHost: h\r\n",
                                        "Content-Length: ", body.size(),
                                        "\r\n\r\n", body)));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "PUT / host=h\n" + body);
}

TEST(LimitsTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions options = TestOptions();
  options.idle_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().has_value());
  absl::Time start = absl::Now();
  EXPECT_TRUE(client->WaitForClose());  // Bounded by the 5 s SO_RCVTIMEO.
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(LimitsTest, SilentNewConnectionIsClosed) {
  ServerOptions options = TestOptions();
  options.idle_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->WaitForClose());
}

TEST(LimitsTest, SlowRequestHeadIsClosedAtReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHo"));
  absl::Time start = absl::Now();
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST(LimitsTest, SlowRequestBodyIsClosedAtReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab"));
  EXPECT_TRUE(client->WaitForClose());
}

TEST(LimitsTest, SlowHandlerIsNotCutByReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = absl::Milliseconds(100);
  options.idle_timeout = absl::Milliseconds(100);
  testing::ResponderStash stash;
  auto server = StartOrDie(options, [&](const Request& r, Responder s) {
    stash.Put(r, std::move(s));
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());
  // Nothing must arrive (no close) for well over both timeouts.
  client->SetTimeout(std::chrono::milliseconds(400));
  EXPECT_FALSE(client->WaitForClose());
  client->SetTimeout(RawClient::kDefaultTimeout);
  responder->Send({.status = 200, .body = "done"});
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "done");
}

}  // namespace
}  // namespace protogate::http
