// Unit tests of the pieces under the server: Request accessors, error
// bodies, and the framing checks run against heads parsed by Beast.
#include "gateway/http/request.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "absl/strings/match.h"
#include "gateway/http/error_response.h"
#include "gateway/http/request_checks.h"
#include "gateway/http/response_builder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::http {
namespace {

using ::testing::Optional;

TEST(RequestTest, SplitsTargetIntoPathAndQuery) {
  Request request("GET", "/v1/a%2Fb?x=1&y=2", {}, "", "1.2.3.4:5");
  EXPECT_EQ(request.path(), "/v1/a%2Fb");
  EXPECT_EQ(request.query(), "x=1&y=2");
  EXPECT_EQ(request.remote_address(), "1.2.3.4:5");
}

TEST(RequestTest, QueryIsEmptyWithoutQuestionMark) {
  Request request("GET", "/v1/a", {}, "", "");
  EXPECT_EQ(request.path(), "/v1/a");
  EXPECT_EQ(request.query(), "");
  Request empty_query("GET", "/v1/a?", {}, "", "");
  EXPECT_EQ(empty_query.path(), "/v1/a");
  EXPECT_EQ(empty_query.query(), "");
}

TEST(RequestTest, HeaderLookupIsCaseInsensitiveAndReturnsTheFirst) {
  Request request("POST", "/",
                  {{"Content-Type", "application/json"},
                   {"X-Multi", "one"},
                   {"x-multi", "two"}},
                  "{}", "");
  EXPECT_THAT(request.header("content-type"),
              Optional(std::string_view("application/json")));
  EXPECT_THAT(request.header("X-MULTI"), Optional(std::string_view("one")));
  EXPECT_EQ(request.header("X-Missing"), std::nullopt);
  EXPECT_EQ(request.headers().size(), 3u);
  request.mutable_body() = "changed";
  EXPECT_EQ(request.body(), "changed");
}

TEST(ErrorResponseTest, IsGoogleRpcStatusJsonWithEscapedMessage) {
  Response response = MakeErrorResponse(400, "bad \"x\"\\\n\x01");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            "{\"code\":3,\"message\":\"bad \\\"x\\\"\\\\\\u000a\\u0001\","
            "\"details\":[]}");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "application/json");
}

TEST(ErrorResponseTest, MapsHttpStatusToRpcCode) {
  EXPECT_EQ(RpcCodeForHttpStatus(400), 3);
  EXPECT_EQ(RpcCodeForHttpStatus(413), 8);
  EXPECT_EQ(RpcCodeForHttpStatus(414), 8);
  EXPECT_EQ(RpcCodeForHttpStatus(431), 8);
  EXPECT_EQ(RpcCodeForHttpStatus(501), 12);
  EXPECT_EQ(RpcCodeForHttpStatus(505), 12);
  EXPECT_EQ(RpcCodeForHttpStatus(500), 13);
}

// Parses `raw` as a request head with Beast and runs CheckRequestHead.
std::optional<Rejection> Check(const std::string& raw) {
  boost::beast::http::request_parser<boost::beast::http::string_body> parser;
  boost::beast::error_code ec;
  size_t n = parser.put(boost::asio::buffer(raw), ec);
  EXPECT_FALSE(ec) << ec.message() << " for " << raw;
  EXPECT_TRUE(parser.is_header_done());
  EXPECT_EQ(n, raw.size());
  return CheckRequestHead(parser.get(), {.max_header_count = 3});
}

TEST(RequestChecksTest, AcceptsOrdinaryHeads) {
  EXPECT_EQ(Check("GET /a?b=c HTTP/1.1\r\nHost: h\r\n\r\n"), std::nullopt);
  EXPECT_EQ(Check("GET / HTTP/1.0\r\n\r\n"), std::nullopt);
  EXPECT_EQ(Check("POST / HTTP/1.1\r\nHost: h\r\n"
                  "Transfer-Encoding: Chunked\r\n\r\n"),
            std::nullopt);
  EXPECT_EQ(Check("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), std::nullopt);
  EXPECT_EQ(Check("CUSTOMVERB /x HTTP/1.1\r\nHost: h\r\n\r\n"), std::nullopt);
}

TEST(RequestChecksTest, LimitsTheNumberOfFields) {
  EXPECT_EQ(Check("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n"),
            std::nullopt);
  std::optional<Rejection> r =
      Check("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->message, "more than 3 header fields");
}

TEST(RequestChecksTest, NamesTheRuleBroken) {
  std::optional<Rejection> r = Check("GET / HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->message, "missing Host header");
  r = Check("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 501);
  EXPECT_THAT(r->message, ::testing::HasSubstr("chunked"));
}

// The status RejectionForParseError gives for `ec` on `unparsed` input.
int StatusFor(boost::beast::http::error ec, std::string_view unparsed,
              HeadPhase phase = HeadPhase::kRequestLine) {
  ParseErrorContext context{
      .unparsed = unparsed,
      .phase = phase,
      .limits = {.max_header_bytes = 8, .max_body_bytes = 9}};
  return RejectionForParseError(ec, context).status;
}

TEST(RequestChecksTest, MapsParseErrors) {
  namespace bhttp = boost::beast::http;
  EXPECT_EQ(StatusFor(bhttp::error::header_limit, "GET /aaaaaaa"), 414);
  EXPECT_EQ(StatusFor(bhttp::error::header_limit, "GET /\r\nX: yyyyyy"), 431);
  EXPECT_EQ(
      StatusFor(bhttp::error::header_limit, "X: yyyyyyyyy", HeadPhase::kFields),
      431);
  EXPECT_EQ(StatusFor(bhttp::error::body_limit, ""), 413);
  EXPECT_EQ(StatusFor(bhttp::error::bad_version, "GET / HTTP/3.0\r\n"), 505);
  EXPECT_EQ(StatusFor(bhttp::error::bad_version, "GET / HTTX/1.1\r\n"), 400);
  EXPECT_EQ(StatusFor(bhttp::error::bad_version, "PRI * HTTP/2.0\r\n\r\n"),
            400);
  EXPECT_EQ(StatusFor(bhttp::error::bad_field, "GET / HTTP/1.1"), 400);
  Rejection body = RejectionForParseError(bhttp::error::body_limit,
                                          {.limits = {.max_body_bytes = 9}});
  EXPECT_THAT(body.message, ::testing::HasSubstr("9 bytes"));
}

TEST(RequestChecksTest, FindsObsFoldAcrossFragments) {
  EXPECT_TRUE(ContainsObsFold("X: a\r\n b\r\n", '\0'));
  EXPECT_TRUE(ContainsObsFold("X: a\r\n\tb\r\n", '\0'));
  EXPECT_TRUE(ContainsObsFold(" b\r\n", '\n'));
  EXPECT_FALSE(ContainsObsFold("X: a b\r\nY: c\r\n", '\n'));
  EXPECT_FALSE(ContainsObsFold("", '\n'));
}

std::string Head(const Response& response, const ResponseFraming& framing) {
  std::string out = "kept:";
  SerializeResponseHead(response, framing, out);
  return out;
}

TEST(ResponseBuilderTest, HeadKeepsLengthButDropsBody) {
  const Response response{.status = 200,
                          .headers = {{"X-A", "1"}, {"content-length", "9"}},
                          .body = "hello"};
  const ResponseFraming framing{.server_name = "s",
                                .connection = ConnectionDisposition::kClose,
                                .head_request = true};
  const std::string head = Head(response, framing);
  EXPECT_TRUE(
      absl::StartsWith(head, "kept:HTTP/1.1 200 OK\r\nX-A: 1\r\nDate: "))
      << head;
  EXPECT_TRUE(absl::EndsWith(
      head, "\r\nServer: s\r\nConnection: close\r\nContent-Length: 5\r\n\r\n"))
      << head;
  EXPECT_FALSE(ResponseHasBody(response, framing));
  EXPECT_TRUE(ResponseHasBody(response, {.server_name = "s"}));
}

TEST(ResponseBuilderTest, DropsManagedAndInvalidHeadersKeepsTheRest) {
  const Response response{
      .status = 200,
      .headers = {{"Date", "x"},
                  {"SERVER", "x"},
                  {"connection", "x"},
                  {"Content-Length", "x"},
                  {"transfer-Encoding", "x"},
                  {"bad name", "x"},
                  {"bad(name)", "x"},
                  {"", "x"},
                  {"X-Split", "a\r\nInjected: 1"},
                  {"X-Nul", std::string("a\0b", 3)},
                  // Past the first eight bytes, in a word and in the tail.
                  {"X-Late-Cr", "0123456789ab\rcdef"},
                  {"X-Tail-Lf", "01234567\n"},
                  {"X-Tail-Nul", std::string("0123456789\0", 11)},
                  {"X-Long", "caf\xc3\xa9 \x7f\t0123456789 kept"},
                  {"RateLimit-Remaining", "7"},
                  {"x-dates", "kept"},
                  {"!#$%&'*+-.^_`|~09azAZ", "odd but valid"}},
      .body = "hello"};
  const std::string head = Head(response, {.server_name = "s"});
  EXPECT_EQ(head.find(": x\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Injected"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Nul"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Late-Cr"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Tail-Lf"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Tail-Nul"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Long: caf\xc3\xa9 \x7f\t0123456789 kept\r\n"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("\r\nRateLimit-Remaining: 7\r\n"), std::string::npos)
      << head;
  EXPECT_NE(head.find("\r\nx-dates: kept\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\n!#$%&'*+-.^_`|~09azAZ: odd but valid\r\n"),
            std::string::npos)
      << head;
  EXPECT_NE(head.find("\r\nContent-Length: 5\r\n"), std::string::npos) << head;
}

TEST(ResponseBuilderTest, FramingAndBodylessStatuses) {
  EXPECT_TRUE(absl::EndsWith(
      Head({.status = 200}, {.body = BodyFraming::kChunked}),
      "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"));
  EXPECT_TRUE(
      absl::EndsWith(Head({.status = 200}, {.body = BodyFraming::kUntilClose}),
                     "Connection: keep-alive\r\n\r\n"));
  const Response no_content{.status = 204, .body = "x"};
  EXPECT_TRUE(
      absl::EndsWith(Head(no_content, {}), "Connection: keep-alive\r\n\r\n"));
  EXPECT_FALSE(ResponseHasBody(no_content, {}));
}

TEST(ResponseBuilderTest, InvalidHeadersAreDropped) {
  const std::string head = Head({.status = 200,
                                 .headers = {{"Bad Name", "v"},
                                             {"X-B", "a\r\nInjected: 1"},
                                             {"X-C", "ok"}}},
                                {});
  EXPECT_EQ(head.find("Injected"), std::string::npos) << head;
  EXPECT_EQ(head.find("Bad Name"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-C: ok\r\n"), std::string::npos) << head;
}

TEST(ResponseBuilderTest, ConstantNamesAreWrittenAndTheirValuesChecked) {
  Response response{.status = 200};
  response.headers.emplace_back(ConstantHeaderName("RateLimit-Remaining"), "7");
  response.headers.emplace_back(ConstantHeaderName("X-Bad-Value"),
                                "a\r\nInjected: 1");
  response.headers.emplace_back("X-Runtime", "ok");
  ASSERT_TRUE(response.headers[0].first.is_constant());
  EXPECT_FALSE(response.headers[2].first.is_constant());
  EXPECT_EQ(response.headers[0].first, "RateLimit-Remaining");
  EXPECT_EQ(response.headers[0].first, response.headers[0].first.view());

  const std::string head = Head(response, {});
  EXPECT_NE(head.find("\r\nRateLimit-Remaining: 7\r\nX-Runtime: ok\r\n"),
            std::string::npos)
      << head;
  EXPECT_EQ(head.find("Injected"), std::string::npos) << head;
  EXPECT_EQ(head.find("X-Bad-Value"), std::string::npos) << head;
  // The HTTP/2 and trailer paths use the same check.
  EXPECT_TRUE(IsSendableField(response.headers[0]));
  EXPECT_FALSE(IsSendableField(response.headers[1]));
  EXPECT_FALSE(IsSendableField({"Content-Length", "1"}));
  EXPECT_FALSE(IsSendableField({"bad name", "1"}));
  EXPECT_EQ(LastChunk(response.headers),
            "0\r\nRateLimit-Remaining: 7\r\nX-Runtime: ok\r\n\r\n");
}

// A copy keeps viewing the constant (no copy of its text); a runtime name
// is its own string.
// The check ConstantHeaderName runs at compile time.
static_assert(IsManagedHeaderName("Content-Length"));
static_assert(IsManagedHeaderName("TRANSFER-encoding"));
static_assert(!IsManagedHeaderName("Content-Type"));
static_assert(!IsManagedHeaderName("dates"));

TEST(HeaderFieldTest, CopiesKeepTheKindOfName) {
  static constexpr ConstantHeaderName kName("Vary");
  const HeaderName constant(kName);
  HeaderName copy = constant;
  EXPECT_TRUE(copy.is_constant());
  EXPECT_EQ(copy.data(), kName.view().data());
  std::string text = "X-Owned";
  HeaderName owned(text);
  text[0] = 'Y';
  EXPECT_FALSE(owned.is_constant());
  EXPECT_EQ(owned, "X-Owned");
  HeaderName moved = std::move(owned);
  EXPECT_EQ(moved, "X-Owned");
}

TEST(ResponseBuilderTest, OutOfRangeStatusBecomes500) {
  EXPECT_TRUE(absl::StartsWith(Head({.status = 42}, {}),
                               "kept:HTTP/1.1 500 Internal Server Error\r\n"));
}

}  // namespace
}  // namespace protogate::http
