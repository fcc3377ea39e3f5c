// Every split of a request stream into two TCP writes gives the same
// responses: the incremental head parser and the body reader must not depend
// on where the bytes are cut.
#include <string>

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

TEST(ChunkSplitTest, EverySplitGivesTheSameResponses) {
  const std::string input =
      "POST /a?q=1 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n"
      "PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nwxyz";
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  for (size_t split = 1; split < input.size(); ++split) {
    SCOPED_TRACE(split);
    auto client = RawClient::Connect(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->Send(input.substr(0, split)));
    ASSERT_TRUE(client->Send(input.substr(split)));
    std::optional<RawResponse> first = client->ReadResponse();
    std::optional<RawResponse> second = client->ReadResponse();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->body, "POST /a?q=1 host=h\nabcde");
    EXPECT_EQ(second->body, "PUT /b host=h\nwxyz");
  }
}

}  // namespace
}  // namespace protogate::http
