// gRPC passthrough (application/grpc) through the real gateway and a real
// demo backend over HTTP/2 (h2c; tests/grpcweb/grpc_client_test.py covers
// grpcio over h2c and TLS): the message frames go through as they are, in
// every call kind, trailers carry the status and the backend's trailing
// metadata, a bad request frame ends the call with INVALID_ARGUMENT, and a
// gRPC C++ client's cancel reaches the backend. Over HTTP/1.1, gRPC is
// refused with 505 (gRPC-Web is served there).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "demo/bookstore.grpc.pb.h"
#include "demo/bookstore.pb.h"
#include "gateway/grpcweb/frame_reader.h"
#include "gateway/grpcweb/protocol.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/http/raw_client.h"
#include "tests/server/gateway_fixture.h"
#include "tests/testing/h2_client.h"

namespace protogate::server {
namespace {

namespace pb = ::demo::bookstore::v1;
using http::testing::RawClient;
using protogate::testing::H2Client;
using protogate::testing::H2Fields;
using protogate::testing::H2Response;

// A gRPC response as read off an HTTP/2 stream.
struct GrpcResponse {
  H2Response h2;
  std::vector<std::string> messages;
  // A trailer field, or for a trailers-only answer the header field.
  std::string Trailer(absl::string_view name) const {
    for (const auto& [key, value] : h2.trailers) {
      if (key == name) return value;
    }
    return h2.trailers.empty() ? h2.Header(name) : "";
  }
};

// Calls `method` of the Bookstore with the framed `body` over h2c.
GrpcResponse Exchange(uint16_t port, absl::string_view method, std::string body,
                      H2Fields extra = {}) {
  GrpcResponse response;
  auto client = H2Client::Connect(port);
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return response;
  H2Fields headers = {{"content-type", "application/grpc"}, {"te", "trailers"}};
  headers.insert(headers.end(), extra.begin(), extra.end());
  auto r = (*client)->RoundTrip(
      "POST", absl::StrCat("/demo.bookstore.v1.Bookstore/", method), headers,
      std::move(body));
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return response;
  response.h2 = *std::move(r);
  EXPECT_EQ(response.h2.status, 200);
  grpcweb::FrameReader reader({});
  EXPECT_TRUE(reader.Append(response.h2.body, response.messages).ok());
  EXPECT_TRUE(reader.Finish().ok());
  return response;
}

class GrpcPassthroughTest : public GatewayFixture {};

TEST_F(GrpcPassthroughTest, UnaryCallEndsWithTrailers) {
  pb::GetShelfRequest request;
  request.set_shelf(1);
  GrpcResponse r = Exchange(server_->port(), "GetShelf",
                            grpcweb::MessageFrame(request.SerializeAsString()),
                            {{"x-demo-echo-tag", "t1"}});
  EXPECT_EQ(r.h2.Header("content-type"), "application/grpc");
  ASSERT_EQ(r.messages.size(), 1u);
  pb::Shelf shelf;
  ASSERT_TRUE(shelf.ParseFromString(r.messages[0]));
  EXPECT_EQ(shelf.id(), 1);
  EXPECT_EQ(r.Trailer("grpc-status"), "0");
  EXPECT_EQ(r.Trailer("x-demo-echo-tag"), "t1");  // Metadata both ways.
}

TEST_F(GrpcPassthroughTest, ClientStreamSendsEveryMessage) {
  std::string frames;
  for (const char* title : {"One", "Two"}) {
    pb::CreateBookRequest request;
    request.set_shelf(1);
    request.mutable_book()->set_title(title);
    frames += grpcweb::MessageFrame(request.SerializeAsString());
  }
  GrpcResponse r = Exchange(server_->port(), "CreateBooks", frames);
  ASSERT_EQ(r.messages.size(), 1u);
  pb::CreateBooksResponse created;
  ASSERT_TRUE(created.ParseFromString(r.messages[0]));
  ASSERT_EQ(created.books_size(), 2);
  EXPECT_EQ(created.books(1).title(), "Two");
  EXPECT_EQ(r.Trailer("grpc-status"), "0");
}

TEST_F(GrpcPassthroughTest, BidiStreamAnswersEachRequest) {
  std::string frames;
  for (const char* name : {"shelves/1/books/1", "shelves/1/books/2"}) {
    pb::LookupBookRequest request;
    request.set_name(name);
    frames += grpcweb::MessageFrame(request.SerializeAsString());
  }
  GrpcResponse r = Exchange(server_->port(), "LookupBooks", frames);
  ASSERT_EQ(r.messages.size(), 2u);
  pb::Book book;
  ASSERT_TRUE(book.ParseFromString(r.messages[1]));
  EXPECT_EQ(book.id(), 2);
  EXPECT_EQ(r.Trailer("grpc-status"), "0");
}

TEST_F(GrpcPassthroughTest, BadFrameInAStreamIsInvalidArgument) {
  pb::CreateBookRequest request;
  request.set_shelf(1);
  std::string frame = grpcweb::MessageFrame(request.SerializeAsString());
  std::string bad = frame;
  bad[0] = 0x7f;  // Unknown flags.
  GrpcResponse r = Exchange(server_->port(), "CreateBooks", frame + bad);
  EXPECT_EQ(r.Trailer("grpc-status"), "3");
  if (r.h2.trailers.empty()) {  // Trailers-only: the message is there too.
    EXPECT_NE(r.Trailer("grpc-message").find("unexpected flags"),
              std::string::npos);
  }
}

TEST_F(GrpcPassthroughTest, BackendErrorIsTrailersOnly) {
  pb::GetShelfRequest request;
  request.set_shelf(999);
  GrpcResponse r = Exchange(server_->port(), "GetShelf",
                            grpcweb::MessageFrame(request.SerializeAsString()));
  EXPECT_TRUE(r.h2.trailers.empty());
  EXPECT_EQ(r.h2.Header("grpc-status"), "5");
  EXPECT_TRUE(r.h2.body.empty());
}

// gRPC is defined over HTTP/2 only: over HTTP/1.1 it is refused (505, as
// grpc-go answers) with a google.rpc.Status body naming the reason, before
// any stage or backend; gRPC-Web stays served there.
TEST_F(GrpcPassthroughTest, GrpcOverHttp11IsRefusedWith505) {
  pb::GetShelfRequest request;
  request.set_shelf(1);
  const std::string frame = grpcweb::MessageFrame(request.SerializeAsString());
  auto post = [&](absl::string_view type) {
    std::unique_ptr<RawClient> client = RawClient::Connect(server_->port());
    EXPECT_NE(client, nullptr);
    if (client == nullptr) return http::testing::RawResponse();
    EXPECT_TRUE(client->Send(absl::StrCat(
        "POST /demo.bookstore.v1.Bookstore/GetShelf HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: ",
        type, "\r\nTE: trailers\r\nContent-Length: ", frame.size(), "\r\n\r\n",
        frame)));
    std::optional<http::testing::RawResponse> response = client->ReadResponse();
    EXPECT_TRUE(response.has_value());
    return response.value_or(http::testing::RawResponse());
  };
  for (absl::string_view type :
       {"application/grpc", "application/grpc+proto"}) {
    http::testing::RawResponse r = post(type);
    EXPECT_EQ(r.status, 505) << type;
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    EXPECT_TRUE(r.Header("grpc-status").empty());
    EXPECT_TRUE(
        r.body.starts_with("{\"code\":12,\"message\":\"gRPC "
                           "(content-type application/grpc) requires "
                           "HTTP/2"))
        << r.body;
  }
  // gRPC-Web over HTTP/1.1 is served.
  http::testing::RawResponse web = post("application/grpc-web+proto");
  EXPECT_EQ(web.status, 200);
  EXPECT_EQ(web.Header("Content-Type"), "application/grpc-web+proto");
  EXPECT_EQ(web.Header("grpc-status"), "");  // In the trailer frame.
}

TEST_F(GrpcPassthroughTest, ClientCancelOverHttp2CancelsTheBackendStream) {
  auto stub = pb::Bookstore::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  pb::StreamBooksRequest request;
  request.set_shelf(1);
  request.set_repeat(1000);
  request.set_delay_ms(10);
  auto reader = stub->StreamBooks(&context, request);
  pb::Book book;
  ASSERT_TRUE(reader->Read(&book));
  EXPECT_EQ(book.id(), 1);
  EXPECT_EQ(backend_->service().active_streams(), 1);
  context.TryCancel();  // RST_STREAM to the gateway.
  while (reader->Read(&book)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The gateway cancels its upstream call: the backend's stream ends long
  // before its 3000 books (30 s).
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (backend_->service().active_streams() != 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(backend_->service().active_streams(), 0);
  EXPECT_LT(backend_->service().streamed_books(), 1000);
}

}  // namespace
}  // namespace protogate::server
