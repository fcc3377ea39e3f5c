// The HTTP framing part of the bad-input catalogue (docs/BAD_INPUTS.md): every
// case is answered with the expected status, a google.rpc.Status JSON body
// and `Connection: close`, the connection is then closed, and the handler is
// never called.
#include <atomic>
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
using ::testing::StartsWith;

struct FramingCase {
  std::string name;
  std::string request;
  int status;
};

void PrintTo(const FramingCase& c, std::ostream* os) { *os << c.name; }

int ExpectedRpcCode(int status) {
  switch (status) {
    case 400:
      return 3;
    case 413:
    case 414:
    case 431:
      return 8;
    default:
      return 12;
  }
}

class FramingTest : public ::testing::TestWithParam<FramingCase> {};

TEST_P(FramingTest, RejectsAndCloses) {
  const FramingCase& c = GetParam();
  std::atomic<int> calls{0};
  ServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  options.max_header_count = 10;
  options.max_body_bytes = 64;
  auto server = StartOrDie(options, [&](const Request& r, Responder s) {
    ++calls;
    EchoHandler(r, std::move(s));
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(c.request));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value()) << "no response";
  EXPECT_EQ(response->status, c.status) << response->body;
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_THAT(response->body,
              StartsWith(absl::StrCat("{\"code\":", ExpectedRpcCode(c.status),
                                      ",\"message\":\"")));
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_EQ(calls.load(), 0);
}

const std::string kHost = "Host: h\r\n";

INSTANTIATE_TEST_SUITE_P(
    BadInputs, FramingTest,
    ::testing::Values(
        FramingCase{"ContentLengthAndTransferEncoding",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                        "\r\n0\r\n\r\n",
                    400},
        FramingCase{"TransferEncodingThenContentLength",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"
                        "\r\n0\r\n\r\n",
                    400},
        FramingCase{"NonAsciiBeforeChunkedWithContentLength",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: \xff"
                        "chunked\r\nContent-Length: 5\r\n\r\nhello",
                    400},
        FramingCase{"TransferEncodingOnHttp10",
                    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "0\r\n\r\n",
                    400},
        FramingCase{"ChunkedThenGzip",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
                    501},
        FramingCase{"XChunked",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
                    501},
        FramingCase{"TwoTransferEncodings",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: gzip\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                    501},
        FramingCase{
            "BadContentLength",
            "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 1x\r\n\r\nx", 400},
        FramingCase{"ConflictingContentLength",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Content-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
                    400},
        FramingCase{"BadChunkSize",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n"
                        "0\r\n\r\n",
                    400},
        FramingCase{"MissingHost", "GET / HTTP/1.1\r\n\r\n", 400},
        FramingCase{"DuplicateHost",
                    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        FramingCase{"DuplicateHostOnHttp10",
                    "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400},
        FramingCase{"FragmentInTarget",
                    "GET /a#b HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"BackslashInTarget",
                    "GET /a\\b HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"AbsoluteFormWithBadScheme",
                    "GET ftp://h/a HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"AbsoluteFormWithUserinfo",
                    "GET http://u@h/a HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"AbsoluteFormWithInvalidAuthority",
                    "GET http://exa%zz/a HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"AbsoluteFormWithoutAuthority",
                    "GET http:///a HTTP/1.1\r\n" + kHost + "\r\n", 400},
        FramingCase{"SpaceInTarget", "GET /a b HTTP/1.1\r\n" + kHost + "\r\n",
                    400},
        FramingCase{"InvalidHost", "GET / HTTP/1.1\r\nHost: exa/mple\r\n\r\n",
                    400},
        FramingCase{"HostWithBadPort", "GET / HTTP/1.1\r\nHost: h:8x\r\n\r\n",
                    400},
        FramingCase{"HostWithSpace", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
                    400},
        FramingCase{"HostWithUserinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n",
                    400},
        FramingCase{"InvalidHostOnHttp10",
                    "GET / HTTP/1.0\r\nHost: a/b\r\n\r\n", 400},
        FramingCase{"RelativeTarget", "GET a/b HTTP/1.1\r\n" + kHost + "\r\n",
                    400},
        FramingCase{"AsteriskWithGet", "GET * HTTP/1.1\r\n" + kHost + "\r\n",
                    400},
        FramingCase{"LowercaseMethod", "get / HTTP/1.1\r\n" + kHost + "\r\n",
                    501},
        FramingCase{"MethodWithDigit", "G3T / HTTP/1.1\r\n" + kHost + "\r\n",
                    501},
        FramingCase{"NonTokenMethod", "GE(T / HTTP/1.1\r\n" + kHost + "\r\n",
                    400},
        FramingCase{"Http12", "GET / HTTP/1.2\r\n" + kHost + "\r\n", 505},
        FramingCase{"Http20", "GET / HTTP/2.0\r\n" + kHost + "\r\n", 505},
        FramingCase{"GarbageVersion", "GET / HTTX/1.1\r\n" + kHost + "\r\n",
                    400},
        FramingCase{"BareLfInHeader", "GET / HTTP/1.1\r\nHost: h\n\r\n", 400},
        FramingCase{"ForbiddenTrailer",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
                        "Content-Length: 5\r\n\r\n",
                    400},
        FramingCase{"ChunkSizeOverflow",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked\r\n\r\n"
                        "ffffffffffffffffff\r\nx\r\n0\r\n\r\n",
                    400},
        FramingCase{"ObsFold",
                    "GET / HTTP/1.1\r\n" + kHost + "X-A: a\r\n b\r\n\r\n", 400},
        FramingCase{"SpaceBeforeColon",
                    "GET / HTTP/1.1\r\n" + kHost + "X-A : a\r\n\r\n", 400},
        FramingCase{"BareLf", "GET / HTTP/1.1\n" + kHost + "\r\n", 400},
        FramingCase{"BareCrInValue",
                    "GET / HTTP/1.1\r\n" + kHost + "X-A: a\rb\r\n\r\n", 400},
        FramingCase{
            "NulInValue",
            "GET / HTTP/1.1\r\n" + kHost + std::string("X-A: a\0b\r\n\r\n", 12),
            400},
        FramingCase{"Garbage", "hello\r\n\r\n", 400},
        FramingCase{
            "DeclaredBodyOverLimit",
            "POST / HTTP/1.1\r\n" + kHost + "Content-Length: 65\r\n\r\n", 413},
        FramingCase{"ChunkedBodyOverLimit",
                    "POST / HTTP/1.1\r\n" + kHost +
                        "Transfer-Encoding: chunked\r\n\r\n40\r\n" +
                        std::string(64, 'x') + "\r\n1\r\nx\r\n0\r\n\r\n",
                    413},
        FramingCase{"HeaderOverLimit",
                    "GET / HTTP/1.1\r\n" + kHost +
                        "X-Big: " + std::string(2000, 'x') + "\r\n\r\n",
                    431},
        FramingCase{
            "RequestLineOverLimit",
            "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n" + kHost + "\r\n",
            414}),
    [](const ::testing::TestParamInfo<FramingCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace protogate::http
