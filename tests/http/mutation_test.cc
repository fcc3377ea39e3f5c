// Deterministic mutations of valid requests (a poor man's fuzzer that runs
// in every test run): whatever the bytes, every answer is a well-formed
// response with an expected status, every connection ends, and the server
// keeps serving.
#include <random>
#include <set>
#include <string>
#include <vector>

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

const std::vector<std::string>& Seeds() {
  static const auto* seeds = new std::vector<std::string>{
      "GET /v1/books/1?view=full HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n",
      "POST /v1/books HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n"
      "Content-Type: application/json\r\n\r\n{\"a\":\"b\"}",
      "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4\r\nabcd\r\n0\r\n\r\n",
      "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
      "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
  };
  return *seeds;
}

std::string Mutate(std::string input, std::mt19937& rng) {
  static constexpr char kInteresting[] = {'\r', '\n', ' ', ':', '\0',   '\x7f',
                                          '\t', '#',  '/', '0', '\xff', 'A'};
  int mutations = 1 + static_cast<int>(rng() % 3);
  for (int m = 0; m < mutations && !input.empty(); ++m) {
    size_t pos = rng() % input.size();
    char c = kInteresting[rng() % sizeof(kInteresting)];
    switch (rng() % 4) {
      case 0:
        input[pos] = c;
        break;
      case 1:
        input.insert(input.begin() + static_cast<std::ptrdiff_t>(pos), c);
        break;
      case 2:
        input.erase(pos, 1 + rng() % 4);
        break;
      default: {  // Duplicate a slice, e.g. a header line.
        size_t len = 1 + rng() % 20;
        input.insert(pos, input.substr(pos, len));
        break;
      }
    }
  }
  return input;
}

TEST(MutationTest, MutatedRequestsGetWellFormedAnswersAndEnd) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  options.max_header_bytes = 1024;
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  const std::set<int> allowed = {200, 400, 413, 414, 431, 501, 505};
  std::mt19937 rng(20261126);
  int answered = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string input = Mutate(Seeds()[i % Seeds().size()], rng);
    SCOPED_TRACE(::testing::PrintToString(input));
    auto client = RawClient::Connect(server->port());
    ASSERT_NE(client, nullptr);
    client->Send(input);
    client->ShutdownWrite();  // The server sees the end: nothing waits.
    while (std::optional<RawResponse> response = client->ReadResponse()) {
      EXPECT_TRUE(allowed.count(response->status)) << response->status;
      ++answered;
    }
    EXPECT_TRUE(client->WaitForClose()) << "trailing garbage in the answer";
  }
  EXPECT_GT(answered, 500);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

}  // namespace
}  // namespace protogate::http
