// Limits of chunked framing (RFC 9112 7.1.1) over raw sockets: an over-long
// chunk line (leading zeros, extensions) is a 400 and an over-long trailer
// section a 431, answered with `Connection: close` as soon as the limit is
// crossed, with the rest of the input never read; a trailer field over
// Beast's 64 KiB field size is refused, not thrown onto the I/O thread; and
// trailer fields never reach the handler as headers.
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
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

const std::string kChunkedHead =
    "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

// The flood each test offers: far more than any limit, socket buffers and
// the server's lingering-close discard together.
constexpr size_t kFloodBytes = 64 * 1024 * 1024;

enum class BodyMode { kWhole, kStreamed };

ServerOptions Options(BodyMode mode) {
  ServerOptions options = TestOptions();
  if (mode == BodyMode::kStreamed) {
    options.stream_body = [](std::string_view, std::string_view) {
      return true;
    };
  }
  return options;
}

// Reads a streamed body to its end; answers 200 with the body, or the
// status the body error calls for.
void ReadAll(std::shared_ptr<BodyStream> stream, std::string body,
             Responder responder) {
  BodyStream* raw = stream.get();
  raw->Read([stream = std::move(stream), body = std::move(body),
             responder = std::move(responder)](
                absl::StatusOr<BodyPiece> piece) mutable {
    if (!piece.ok()) {
      Response response;
      // The session's own answer for these would be 400 and 431.
      response.status =
          piece.status().code() == absl::StatusCode::kInvalidArgument ? 400
                                                                      : 431;
      response.body = std::string(piece.status().message());
      responder.Send(std::move(response));
      return;
    }
    body += piece->data;
    if (piece->last) {
      Response response;
      response.body = std::move(body);
      responder.Send(std::move(response));
      return;
    }
    ReadAll(std::move(stream), std::move(body), std::move(responder));
  });
}

void Handle(const Request& request, Responder responder) {
  if (request.body_stream() != nullptr) {
    ReadAll(request.body_stream(), "", std::move(responder));
    return;
  }
  EchoHandler(request, std::move(responder));
}

// Sends `head`, then `filler` repeated up to kFloodBytes, until the server
// stops reading (the send times out or the connection is closed). Returns
// the bytes of filler sent.
size_t Flood(RawClient& client, int fd, std::string_view head, char filler) {
  EXPECT_TRUE(client.Send(head));
  timeval tv{.tv_sec = 2, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const std::string piece(64 * 1024, filler);
  size_t sent = 0;
  while (sent < kFloodBytes && client.Send(piece)) sent += piece.size();
  return sent;
}

class ChunkedLimitsTest : public ::testing::TestWithParam<BodyMode> {};

TEST_P(ChunkedLimitsTest, TrailerFieldOver64KiBIsRefusedAndServerDrains) {
  for (size_t max_header_bytes : {size_t{16 * 1024}, size_t{1024 * 1024}}) {
    ServerOptions options = Options(GetParam());
    options.max_header_bytes = max_header_bytes;
    auto server = StartOrDie(options, Handle);
    ASSERT_NE(server, nullptr);
    for (int i = 0; i < 3; ++i) {
      auto client = RawClient::Connect(server->port());
      ASSERT_NE(client, nullptr);
      ASSERT_TRUE(client->Send(absl::StrCat(
          kChunkedHead, "1\r\nx\r\n0\r\nX-T: ", std::string(70 * 1024, 't'),
          "\r\n\r\n")));
      std::optional<RawResponse> response = client->ReadResponse();
      ASSERT_TRUE(response.has_value())
          << "no answer, limit " << max_header_bytes;
      EXPECT_EQ(response->status, 431) << response->body;
      EXPECT_EQ(response->Header("Connection"), "close");
      EXPECT_THAT(response->body, HasSubstr("trailer section"));
    }
    // Still serving, and a clean drain afterwards.
    auto client = RawClient::Connect(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->Send("GET /ok HTTP/1.1\r\nHost: h\r\n\r\n"));
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    server->Shutdown(absl::Seconds(5));
  }
}

struct Flooded {
  std::string name;
  std::string head;  // After kChunkedHead.
  char filler;
  int status;
  std::string message;
};

TEST_P(ChunkedLimitsTest, OverLongFramingIsRefusedWithoutReadingItAll) {
  const Flooded cases[] = {
      {"extension", "11;e=", 'e', 400, "chunk size line"},
      {"leading zeros", "", '0', 400, "chunk size line"},
      {"trailer", "1\r\nx\r\n0\r\nX-T: ", 't', 431, "trailer section"},
  };
  for (const Flooded& c : cases) {
    SCOPED_TRACE(c.name);
    auto server = StartOrDie(Options(GetParam()), Handle);
    ASSERT_NE(server, nullptr);
    auto client = RawClient::Connect(server->port());
    ASSERT_NE(client, nullptr);
    size_t sent = Flood(*client, client->fd(),
                        absl::StrCat(kChunkedHead, c.head), c.filler);
    EXPECT_LT(sent, kFloodBytes);
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, c.status) << response->body;
    EXPECT_EQ(response->Header("Connection"), "close");
    EXPECT_THAT(response->body, HasSubstr(c.message));
  }
}

TEST_P(ChunkedLimitsTest, LongExtensionInOneReadIsRefused) {
  auto server = StartOrDie(Options(GetParam()), Handle);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(absl::StrCat(
      kChunkedHead, "1;e=", std::string(5000, 'e'), "\r\nx\r\n0\r\n\r\n")));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400) << response->body;
  EXPECT_THAT(response->body, HasSubstr("chunk size line"));
  EXPECT_EQ(response->Header("Connection"), "close");
}

TEST_P(ChunkedLimitsTest, SmallExtensionsAndTrailersPassWithoutTrailerHeaders) {
  std::atomic<bool> saw_trailer{false};
  auto server = StartOrDie(Options(GetParam()),
                           [&](const Request& request, Responder responder) {
                             if (request.header("x-t").has_value())
                               saw_trailer = true;
                             Handle(request, std::move(responder));
                           });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      absl::StrCat(kChunkedHead, "0003;a=b;c=\"d\"\r\nabc\r\n",
                   std::string(1000, '0'), "2\r\nde\r\n0\r\nX-T: 1\r\n\r\n")));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_THAT(response->body, HasSubstr("abcde"));
  EXPECT_FALSE(saw_trailer.load());
}

INSTANTIATE_TEST_SUITE_P(BodyModes, ChunkedLimitsTest,
                         ::testing::Values(BodyMode::kWhole,
                                           BodyMode::kStreamed),
                         [](const ::testing::TestParamInfo<BodyMode>& info) {
                           return info.param == BodyMode::kWhole ? "Whole"
                                                                 : "Streamed";
                         });

}  // namespace
}  // namespace protogate::http
