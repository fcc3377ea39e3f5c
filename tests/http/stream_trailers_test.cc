// Streamed responses ending with trailer fields (ResponseStream::Finish with
// trailers) over HTTP/1.1 and HTTP/1.0.
#include <string>
#include <utility>

#include "gateway/http/server.h"
#include "gtest/gtest.h"
#include "tests/http/raw_client.h"
#include "tests/http/test_server.h"

namespace protogate::http {
namespace {

using testing::RawClient;
using testing::StartOrDie;
using testing::TestOptions;

void StreamWithTrailers(const Request&, Responder responder) {
  ResponseStream stream = responder.Stream({.status = 200, .body = "ab"});
  stream.Write("cd", [](bool) {});
  stream.Finish({{"grpc-status", "0"},
                 {"grpc-message", "fine"},
                 {"Content-Length", "9"},
                 {"bad name", "x"},
                 {"x-split", "a\r\nInjected: yes"}});
}

TEST(StreamTrailersTest, Http11EndsTheChunkedBodyWithTheTrailerSection) {
  auto server = StartOrDie(TestOptions(), StreamWithTrailers);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /s HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = client->ReadResponse();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->Header("Transfer-Encoding"), "chunked");
  auto body = client->ReadUntil("\r\n0\r\n");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "2\r\nab\r\n2\r\ncd\r\n0\r\n");
  auto trailer = client->ReadUntil("\r\n\r\n");
  ASSERT_TRUE(trailer.has_value());
  // Valid fields only, in order; managed and invalid ones are dropped.
  EXPECT_EQ(*trailer, "grpc-status: 0\r\ngrpc-message: fine\r\n\r\n");
  // The connection stays usable.
  ASSERT_TRUE(client->Send("GET /t HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto next = client->ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST(StreamTrailersTest, FinishWithoutTrailersEndsWithTheLastChunk) {
  auto server =
      StartOrDie(TestOptions(), [](const Request&, Responder responder) {
        ResponseStream stream = responder.Stream({.status = 200, .body = "x"});
        stream.Finish();
      });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /s HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().has_value());
  auto body = client->ReadUntil("0\r\n\r\n");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "1\r\nx\r\n0\r\n\r\n");
}

TEST(StreamTrailersTest, Http10DropsTheTrailers) {
  auto server = StartOrDie(TestOptions(), StreamWithTrailers);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /s HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().has_value());
  auto body = client->ReadUntil("abcd");
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(*body, "abcd");
  EXPECT_TRUE(client->WaitForClose());
}

}  // namespace
}  // namespace protogate::http
