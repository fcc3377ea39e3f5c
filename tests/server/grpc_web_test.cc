// gRPC-Web through the real gateway and a real demo backend, over
// HTTP/1.1 and (ctest prefix "h2c.grpcweb.") HTTP/2 by prior knowledge
// (grpcweb/protocol.h, proxy/grpc_answer.h): unary and server
// streaming in the binary and the text mode, metadata both ways, errors as
// gRPC statuses (backend errors, unknown methods, bad framing, bad base64,
// stage refusals, limits), CORS for browser clients. The Node client test
// (tests/grpcweb/connect_client_test.mjs) drives the same paths with an npm
// gRPC-Web client.
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "demo/bookstore.pb.h"
#include "gateway/grpcweb/frame_reader.h"
#include "gateway/grpcweb/protocol.h"
#include "gateway/grpcweb/text_codec.h"
#include "gateway/server/stages.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {
namespace {

namespace pb = ::demo::bookstore::v1;
using testing::HttpResponse;

constexpr absl::string_view kGetShelf = "/demo.bookstore.v1.Bookstore/GetShelf";
constexpr absl::string_view kStreamBooks =
    "/demo.bookstore.v1.Bookstore/StreamBooks";
constexpr char kBinary[] = "Content-Type: application/grpc-web+proto";
constexpr char kText[] = "Content-Type: application/grpc-web-text";

// The stages the tests meet: CORS, an API key for DeleteBook, one
// ListShelves call a minute, and the echo metadata forwarded.
constexpr char kStagesYaml[] = R"(
cors:
  allow_origins: ["https://app.example.test"]
headers:
  forward_prefixes: [x-demo-echo-]
auth:
  api_keys:
    - name: partner-a
      sha256: 98549b7031e565a343c120c6a768ff294d72c7283509bb3eb51fa859c64b0b7d
      header: x-api-key
      forward_as: {x-demo-echo-client: partner-a}
      scopes: [library.write]
methods:
  - selector: demo.bookstore.v1.Bookstore.DeleteBook
    auth: {scopes: [library.write]}
rate_limits:
  policies:
    - {name: list, selector: demo.bookstore.v1.Bookstore.ListShelves,
       key: client_ip, requests: 1, per: 60s}
)";

// A gRPC-Web response body: its messages and its trailer frame's fields.
struct WebBody {
  std::vector<std::string> messages;
  std::vector<std::pair<std::string, std::string>> trailer;
  std::string Trailer(absl::string_view name) const {
    for (const auto& [key, value] : trailer) {
      if (key == name) return value;
    }
    return "";
  }
};

// Splits a (decoded) gRPC-Web body; fails the test on bad framing.
WebBody ParseBody(std::string body) {
  WebBody parsed;
  while (body.size() >= 5) {
    const auto flags = static_cast<uint8_t>(body[0]);
    const uint32_t length = (static_cast<uint8_t>(body[1]) << 24) |
                            (static_cast<uint8_t>(body[2]) << 16) |
                            (static_cast<uint8_t>(body[3]) << 8) |
                            static_cast<uint8_t>(body[4]);
    EXPECT_GE(body.size(), 5 + length);
    std::string content = body.substr(5, length);
    body.erase(0, 5 + length);
    if (flags == 0) {
      EXPECT_TRUE(parsed.trailer.empty()) << "a message after the trailer";
      parsed.messages.push_back(std::move(content));
      continue;
    }
    EXPECT_EQ(flags, 0x80);
    for (absl::string_view line : absl::StrSplit(content, "\r\n")) {
      if (line.empty()) continue;
      std::pair<std::string, std::string> field =
          absl::StrSplit(line, absl::MaxSplits(':', 1));
      parsed.trailer.push_back(std::move(field));
    }
  }
  EXPECT_TRUE(body.empty()) << "trailing bytes";
  return parsed;
}

std::string ShelfRequest(int64_t shelf) {
  pb::GetShelfRequest request;
  request.set_shelf(shelf);
  return grpcweb::MessageFrame(request.SerializeAsString());
}

class GrpcWebTest : public GatewayFixture {
 protected:
  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    StartGateway(backend_->address(), absl::Seconds(5),
                 [this](SnapshotOptions& options) {
                   MergeYaml(options.config, kStagesYaml);
                   options.build_stages =
                       [this, config = options.config](
                           const routing::RouteTable& routes,
                           std::shared_ptr<const policy::HeaderRules> rules) {
                         return BuildStageChain(config, routes,
                                                std::move(rules), environment_);
                       };
                 });
  }

  StageEnvironment environment_;
};

TEST_F(GrpcWebTest, UnaryCallAnswersTheMessageThenTheTrailerFrame) {
  HttpResponse r = Call("POST", kGetShelf, ShelfRequest(1),
                        {kBinary, "X-Grpc-Web: 1", "x-demo-echo-tag: t1"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/grpc-web+proto");
  EXPECT_EQ(r.Header("grpc-status"), "");  // Not trailers-only.
  WebBody body = ParseBody(r.body);
  ASSERT_EQ(body.messages.size(), 1u);
  pb::Shelf shelf;
  ASSERT_TRUE(shelf.ParseFromString(body.messages[0]));
  EXPECT_EQ(shelf.id(), 1);
  EXPECT_EQ(body.Trailer("grpc-status"), "0");
  // Request metadata reached the backend, which echoes it as a trailer.
  EXPECT_EQ(body.Trailer("x-demo-echo-tag"), "t1");
  EXPECT_FALSE(r.Header("x-request-id").empty());
}

TEST_F(GrpcWebTest, TextModeDecodesConcatenatedChunksAndAnswersBase64) {
  const std::string frame = ShelfRequest(2);
  // Two base64 chunks, each padded, as a client encoding piece by piece.
  const std::string text = absl::StrCat(grpcweb::EncodeText(frame.substr(0, 4)),
                                        grpcweb::EncodeText(frame.substr(4)));
  ASSERT_NE(text.find('='), text.size() - 1);  // Padding inside the body.
  HttpResponse r = Call("POST", kGetShelf, text, {kText});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/grpc-web-text");
  grpcweb::TextDecoder decoder;
  std::string decoded;
  ASSERT_TRUE(decoder.Append(r.body, decoded).ok()) << r.body;
  ASSERT_TRUE(decoder.Finish().ok());
  WebBody body = ParseBody(decoded);
  ASSERT_EQ(body.messages.size(), 1u);
  pb::Shelf shelf;
  ASSERT_TRUE(shelf.ParseFromString(body.messages[0]));
  EXPECT_EQ(shelf.id(), 2);
  EXPECT_EQ(body.Trailer("grpc-status"), "0");
}

TEST_F(GrpcWebTest, ServerStreamPushesEveryMessageThenTheTrailer) {
  pb::StreamBooksRequest request;
  request.set_shelf(1);
  HttpResponse r =
      Call("POST", kStreamBooks,
           grpcweb::MessageFrame(request.SerializeAsString()), {kBinary});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.complete);
  WebBody body = ParseBody(r.body);
  ASSERT_EQ(body.messages.size(), 3u);
  pb::Book book;
  ASSERT_TRUE(book.ParseFromString(body.messages[2]));
  EXPECT_EQ(book.id(), 3);
  EXPECT_EQ(body.Trailer("grpc-status"), "0");
}

TEST_F(GrpcWebTest, StreamFailureAfterMessagesEndsWithItsStatus) {
  pb::StreamBooksRequest request;
  request.set_shelf(1);
  request.set_fail_after(2);
  HttpResponse r = Call(
      "POST", kStreamBooks,
      grpcweb::EncodeText(grpcweb::MessageFrame(request.SerializeAsString())),
      {kText});
  grpcweb::TextDecoder decoder;
  std::string decoded;
  ASSERT_TRUE(decoder.Append(r.body, decoded).ok());
  WebBody body = ParseBody(decoded);
  EXPECT_EQ(body.messages.size(), 2u);
  EXPECT_EQ(body.Trailer("grpc-status"), "10");  // ABORTED.
  EXPECT_EQ(body.Trailer("grpc-message"), "demo stream failure after 2 books");
}

TEST_F(GrpcWebTest, BackendErrorIsTrailersOnly) {
  HttpResponse r = Call("POST", kGetShelf, ShelfRequest(999), {kBinary});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "application/grpc-web+proto");
  EXPECT_EQ(r.Header("grpc-status"), "5");  // NOT_FOUND.
  EXPECT_NE(r.Header("grpc-message").find("999"), std::string::npos);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(GrpcWebTest, MalformedRequestsAreInvalidArgument) {
  struct Case {
    std::string body;
    const char* content_type;
    const char* message;
  } cases[] = {
      {ShelfRequest(1).substr(0, 6), kBinary,
       "request body ends inside message frame 1"},
      {"", kBinary,
       "expected exactly one request message for "
       "demo.bookstore.v1.Bookstore.GetShelf, got 0"},
      {ShelfRequest(1) + ShelfRequest(2), kBinary,
       "expected exactly one request message for "
       "demo.bookstore.v1.Bookstore.GetShelf, got 2"},
      {"AAAA*AAA", kText, "grpc-web-text body: not base64 at offset 4"},
      {"AAAAA", kText, "grpc-web-text body: ends inside a base64 quantum"},
  };
  for (const Case& c : cases) {
    HttpResponse r = Call("POST", kGetShelf, c.body, {c.content_type});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("grpc-status"), "3") << c.message;
    EXPECT_EQ(r.Header("grpc-message"), c.message);
  }
}

TEST_F(GrpcWebTest, UnknownMethodAndClientStreamingAreUnimplemented) {
  HttpResponse unknown = Call("POST", "/demo.bookstore.v1.Bookstore/Nope",
                              ShelfRequest(1), {kBinary});
  EXPECT_EQ(unknown.Header("grpc-status"), "12");
  EXPECT_EQ(unknown.Header("grpc-message"),
            "unknown method /demo.bookstore.v1.Bookstore/Nope");
  HttpResponse client_stream =
      Call("POST", "/demo.bookstore.v1.Bookstore/CreateBooks", ShelfRequest(1),
           {kBinary});
  EXPECT_EQ(client_stream.Header("grpc-status"), "12");
}

TEST_F(GrpcWebTest, StageRefusalsBecomeGrpcStatuses) {
  pb::DeleteBookRequest del;
  del.set_shelf(1);
  del.set_book(1);
  const std::string frame = grpcweb::MessageFrame(del.SerializeAsString());
  HttpResponse denied =
      Call("POST", "/demo.bookstore.v1.Bookstore/DeleteBook", frame, {kBinary});
  EXPECT_EQ(denied.status, 200);
  EXPECT_EQ(denied.Header("grpc-status"), "16");  // UNAUTHENTICATED.
  EXPECT_EQ(denied.Header("content-type"), "application/grpc-web+proto");
  EXPECT_TRUE(denied.body.empty());
  // With the key: the identity metadata reaches the backend.
  HttpResponse allowed = Call("POST", "/demo.bookstore.v1.Bookstore/DeleteBook",
                              frame, {kBinary, "x-api-key: secret-key-a"});
  WebBody body = ParseBody(allowed.body);
  EXPECT_EQ(body.Trailer("grpc-status"), "0") << allowed.Header("grpc-message");
  EXPECT_EQ(body.Trailer("x-demo-echo-client"), "partner-a");

  const std::string empty = grpcweb::MessageFrame("");
  const std::string list = "/demo.bookstore.v1.Bookstore/ListShelves";
  EXPECT_EQ(ParseBody(Call("POST", list, empty, {kBinary}).body)
                .Trailer("grpc-status"),
            "0");
  HttpResponse limited = Call("POST", list, empty, {kBinary});
  EXPECT_EQ(limited.Header("grpc-status"), "8");  // RESOURCE_EXHAUSTED.
  EXPECT_FALSE(limited.Header("retry-after").empty());
}

TEST_F(GrpcWebTest, CorsPreflightAndExposedStatusHeaders) {
  HttpResponse preflight = Call(
      "OPTIONS", kGetShelf, "",
      {"Origin: https://app.example.test",
       "Access-Control-Request-Method: POST",
       "Access-Control-Request-Headers: content-type,x-grpc-web,x-user-agent,"
       "grpc-timeout"});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.Header("access-control-allow-headers"),
            "content-type, x-grpc-web, x-user-agent, grpc-timeout");
  HttpResponse r = Call("POST", kGetShelf, ShelfRequest(999),
                        {kBinary, "Origin: https://app.example.test"});
  EXPECT_EQ(r.Header("access-control-allow-origin"),
            "https://app.example.test");
  EXPECT_EQ(r.Header("access-control-expose-headers"),
            "grpc-status, grpc-message, grpc-status-details-bin");
  EXPECT_EQ(r.Header("grpc-status"), "5");
}

TEST_F(GrpcWebTest, GrpcTimeoutBecomesTheUpstreamDeadline) {
  pb::StreamBooksRequest request;
  request.set_shelf(1);
  request.set_delay_ms(2000);
  HttpResponse r = Call("POST", kStreamBooks,
                        grpcweb::MessageFrame(request.SerializeAsString()),
                        {kBinary, "grpc-timeout: 100m"});
  EXPECT_EQ(r.Header("grpc-status"), "4") << r.body;  // DEADLINE_EXCEEDED.
  HttpResponse bad =
      Call("POST", kGetShelf, ShelfRequest(1), {kBinary, "grpc-timeout: 1x"});
  EXPECT_EQ(bad.Header("grpc-status"), "3");
}

// The clusters' message limits, as RESOURCE_EXHAUSTED naming them.
class GrpcWebLimitsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    StartGateway(
        backend_->address(), absl::Seconds(5), [this](SnapshotOptions& o) {
          o.config.clear_backends();
          MergeYaml(o.config,
                    absl::StrCat("clusters:\n  - name: books\n    endpoints: "
                                 "[\"",
                                 backend_->address(),
                                 "\"]\n    max_send_message_bytes: 20\n"
                                 "    max_receive_message_bytes: 20\n"
                                 "routes: [{service: demo.bookstore, cluster: "
                                 "books}]\n"));
        });
  }
};

TEST_F(GrpcWebLimitsTest, MessagesOverTheClusterLimitsAreResourceExhausted) {
  pb::CreateShelfRequest create;
  create.mutable_shelf()->set_theme(std::string(40, 'x'));
  HttpResponse big_request =
      Call("POST", "/demo.bookstore.v1.Bookstore/CreateShelf",
           grpcweb::MessageFrame(create.SerializeAsString()), {kBinary});
  EXPECT_EQ(big_request.Header("grpc-status"), "8");
  EXPECT_NE(big_request.Header("grpc-message").find("send limit of 20 bytes"),
            std::string::npos)
      << big_request.Header("grpc-message");

  pb::GetBookRequest get;
  get.set_shelf(1);
  get.set_book(1);
  HttpResponse big_response =
      Call("POST", "/demo.bookstore.v1.Bookstore/GetBook",
           grpcweb::MessageFrame(get.SerializeAsString()), {kBinary});
  EXPECT_EQ(big_response.Header("grpc-status"), "8");
  EXPECT_NE(big_response.Header("grpc-message")
                .find("exceeds the receive limit of 20 bytes"),
            std::string::npos)
      << big_response.Header("grpc-message");
}

}  // namespace
}  // namespace protogate::server
