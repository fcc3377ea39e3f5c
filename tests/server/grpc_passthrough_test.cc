// gRPC passthrough (application/grpc) through the real gateway and a real
// demo backend, over HTTP/1.1 with chunked trailers (a client that sends
// `TE: trailers` reads them there; gRPC clients use HTTP/2, which
// tests/grpcweb/grpc_client_test.py covers with grpcio): the message frames
// go through as they are, in every call kind, request messages of client
// and bidi streams as they arrive, trailers carry the status and the
// backend's trailing metadata, and a bad request frame ends the call with
// INVALID_ARGUMENT. Over HTTP/2 (h2c), a gRPC C++ client's cancel reaches
// the backend.
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

namespace protogate::server {
namespace {

namespace pb = ::demo::bookstore::v1;
using http::testing::RawClient;

// A chunked gRPC response as read off the wire.
struct GrpcResponse {
  std::string head;
  std::vector<std::string> messages;
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string Trailer(absl::string_view name) const {
    for (const auto& [key, value] : trailers) {
      if (key == name) return value;
    }
    return "";
  }
};

// Sends `request` (a whole HTTP/1.1 request, possibly in `pieces`) and
// reads the chunked response and its trailers.
GrpcResponse Exchange(uint16_t port, const std::vector<std::string>& pieces) {
  GrpcResponse response;
  std::unique_ptr<RawClient> client = RawClient::Connect(port);
  EXPECT_NE(client, nullptr);
  if (client == nullptr) return response;
  for (const std::string& piece : pieces) EXPECT_TRUE(client->Send(piece));
  std::optional<std::string> head = client->ReadUntil("\r\n\r\n");
  EXPECT_TRUE(head.has_value());
  if (!head.has_value()) return response;
  response.head = *head;
  EXPECT_NE(head->find("HTTP/1.1 200"), std::string::npos) << *head;
  if (head->find("Transfer-Encoding: chunked") == std::string::npos) {
    return response;  // Trailers-only: the status is in the head.
  }
  std::string body;
  while (true) {
    std::optional<std::string> line = client->ReadUntil("\r\n");
    EXPECT_TRUE(line.has_value());
    if (!line.has_value()) return response;
    size_t size = 0;
    EXPECT_TRUE(absl::SimpleHexAtoi(line->substr(0, line->size() - 2), &size));
    if (size == 0) break;
    std::optional<std::string> chunk = client->ReadUntil("\r\n");
    while (chunk.has_value() && chunk->size() < size + 2) {
      std::optional<std::string> more = client->ReadUntil("\r\n");
      if (!more.has_value()) break;
      *chunk += *more;
    }
    EXPECT_TRUE(chunk.has_value());
    if (!chunk.has_value()) return response;
    body += chunk->substr(0, size);
  }
  while (true) {
    std::optional<std::string> line = client->ReadUntil("\r\n");
    EXPECT_TRUE(line.has_value());
    if (!line.has_value() || *line == "\r\n") break;
    std::pair<std::string, std::string> field = absl::StrSplit(
        line->substr(0, line->size() - 2), absl::MaxSplits(": ", 1));
    response.trailers.push_back(std::move(field));
  }
  grpcweb::FrameReader reader({});
  EXPECT_TRUE(reader.Append(body, response.messages).ok());
  EXPECT_TRUE(reader.Finish().ok());
  return response;
}

std::string Head(absl::string_view method, absl::string_view extra = "") {
  return absl::StrCat("POST /demo.bookstore.v1.Bookstore/", method,
                      " HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc"
                      "\r\nTE: trailers\r\nConnection: close\r\n",
                      extra);
}

std::string Chunk(absl::string_view data) {
  return absl::StrCat(absl::Hex(data.size()), "\r\n", data, "\r\n");
}

class GrpcPassthroughTest : public GatewayFixture {};

TEST_F(GrpcPassthroughTest, UnaryCallEndsWithTrailers) {
  pb::GetShelfRequest request;
  request.set_shelf(1);
  const std::string frame = grpcweb::MessageFrame(request.SerializeAsString());
  GrpcResponse r = Exchange(
      server_->port(),
      {Head("GetShelf", absl::StrCat("x-demo-echo-tag: t1\r\nContent-Length: ",
                                     frame.size(), "\r\n\r\n", frame))});
  EXPECT_NE(r.head.find("content-type: application/grpc\r\n"),
            std::string::npos)
      << r.head;
  ASSERT_EQ(r.messages.size(), 1u);
  pb::Shelf shelf;
  ASSERT_TRUE(shelf.ParseFromString(r.messages[0]));
  EXPECT_EQ(shelf.id(), 1);
  EXPECT_EQ(r.Trailer("grpc-status"), "0");
  EXPECT_EQ(r.Trailer("x-demo-echo-tag"), "t1");  // Metadata both ways.
}

TEST_F(GrpcPassthroughTest, ClientStreamSendsMessagesAsTheyArrive) {
  std::string frames;
  for (const char* title : {"One", "Two"}) {
    pb::CreateBookRequest request;
    request.set_shelf(1);
    request.mutable_book()->set_title(title);
    frames += grpcweb::MessageFrame(request.SerializeAsString());
  }
  // The frames split across chunks mid-frame, sent one by one.
  GrpcResponse r =
      Exchange(server_->port(),
               {Head("CreateBooks", "Transfer-Encoding: chunked\r\n\r\n"),
                Chunk(frames.substr(0, 3)), Chunk(frames.substr(3, 9)),
                Chunk(frames.substr(12)), "0\r\n\r\n"});
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
  GrpcResponse r =
      Exchange(server_->port(),
               {Head("LookupBooks", "Transfer-Encoding: chunked\r\n\r\n"),
                Chunk(frames), "0\r\n\r\n"});
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
  GrpcResponse r =
      Exchange(server_->port(),
               {Head("CreateBooks", "Transfer-Encoding: chunked\r\n\r\n"),
                Chunk(frame + bad), "0\r\n\r\n"});
  const std::string status = r.trailers.empty() ? "" : r.Trailer("grpc-status");
  if (r.trailers.empty()) {  // Trailers-only: in the head.
    EXPECT_NE(r.head.find("grpc-status: 3\r\n"), std::string::npos) << r.head;
    EXPECT_NE(r.head.find("grpc-message: request frame 2: unexpected flags "
                          "0x7f"),
              std::string::npos)
        << r.head;
  } else {
    EXPECT_EQ(status, "3");
  }
}

TEST_F(GrpcPassthroughTest, BackendErrorIsTrailersOnly) {
  pb::GetShelfRequest request;
  request.set_shelf(999);
  const std::string frame = grpcweb::MessageFrame(request.SerializeAsString());
  GrpcResponse r =
      Exchange(server_->port(),
               {Head("GetShelf", absl::StrCat("Content-Length: ", frame.size(),
                                              "\r\n\r\n", frame))});
  EXPECT_NE(r.head.find("grpc-status: 5\r\n"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Content-Length: 0\r\n"), std::string::npos) << r.head;
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
