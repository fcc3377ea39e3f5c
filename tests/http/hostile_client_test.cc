// Hostile clients over raw sockets, beyond the single-request cases of
// framing_test.cc and limits_test.cc: a request smuggled behind an
// ambiguous one is never answered, a chunked body flooding past the body
// limit is cut without being read, and a client that sends without reading
// its answers is held back by TCP (the server stops reading) while other
// clients are served.
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
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

// Far more than socket buffers and any limit here.
constexpr size_t kFloodBytes = 64 * 1024 * 1024;

// Sends `piece` repeatedly up to kFloodBytes until a send does not complete
// within 2 s or fails; returns the bytes sent.
size_t SendUntilBlocked(RawClient& client, const std::string& piece) {
  timeval tv{.tv_sec = 2, .tv_usec = 0};
  ::setsockopt(client.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  size_t sent = 0;
  while (sent < kFloodBytes && client.Send(piece)) sent += piece.size();
  return sent;
}

TEST(HostileClientTest, RequestSmuggledBehindAnAmbiguousOneIsNeverAnswered) {
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
  const std::string carriers[] = {
      // TE + CL: which length frames the body is ambiguous.
      absl::StrCat("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                   "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   smuggled),
      // Transfer-Encoding on HTTP/1.0.
      absl::StrCat("POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "0\r\n\r\n",
                   smuggled),
      // A coding other than chunked.
      absl::StrCat("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n"
                   "\r\n",
                   smuggled),
      // Two lengths.
      absl::StrCat("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n"
                   "Content-Length: 40\r\n\r\n",
                   smuggled),
      // A bad chunk size, then a bare LF line.
      absl::StrCat("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked"
                   "\r\n\r\n1x\r\n",
                   smuggled),
      absl::StrCat("GET /a HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", smuggled),
  };
  std::atomic<int> calls{0};
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder s) {
    ++calls;
    EchoHandler(r, std::move(s));
  });
  ASSERT_NE(server, nullptr);
  for (const std::string& carrier : carriers) {
    SCOPED_TRACE(carrier.substr(0, 40));
    auto client = RawClient::Connect(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->Send(carrier));
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_GE(response->status, 400);
    EXPECT_EQ(response->Header("Connection"), "close");
    EXPECT_THAT(response->body, HasSubstr("\"code\":"));
    EXPECT_TRUE(client->WaitForClose()) << "a second answer arrived";
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST(HostileClientTest, ChunkedFloodPastTheBodyLimitIsCutWithoutReadingIt) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024 * 1024;
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk =
      absl::StrCat("10000\r\n", std::string(64 * 1024, 'x'), "\r\n");
  EXPECT_LT(SendUntilBlocked(*client, chunk), kFloodBytes);
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("Connection"), "close");
}

TEST(HostileClientTest, ClientThatDoesNotReadIsHeldBackAndOthersAreServed) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto greedy = RawClient::Connect(server->port());
  ASSERT_NE(greedy, nullptr);
  // Pipelined requests whose answers (the echoed 4 KiB header) it never
  // reads: the server stops reading once its answers fill the socket.
  const std::string request = absl::StrCat("GET /", std::string(4000, 'a'),
                                           " HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string batch;
  for (int i = 0; i < 16; ++i) batch += request;
  EXPECT_LT(SendUntilBlocked(*greedy, batch), kFloodBytes);

  auto polite = RawClient::Connect(server->port());
  ASSERT_NE(polite, nullptr);
  ASSERT_TRUE(polite->Send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> response = polite->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /ok host=h\n");
}

}  // namespace
}  // namespace protogate::http
