// The HTTP/2 server (h2c by prior knowledge) against a real http::Server:
// the same Request/Responder behaviour as HTTP/1.1, limits, drain, and the
// known HTTP/2 attacks, each with raw frames where a client library would
// not send them.
#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/http/server.h"
#include "gtest/gtest.h"
#include "tests/http/h2_frames.h"
#include "tests/http/raw_client.h"
#include "tests/http/test_server.h"
#include "tests/testing/h2_client.h"

namespace protogate::http {
namespace {

using protogate::testing::H2Client;
using protogate::testing::H2Response;
using testing::EchoHandler;
using testing::Frame;
using testing::H2Frame;
using testing::H2FrameReader;
using testing::kH2Preface;
using testing::RawClient;
using testing::ResponderStash;
using testing::StartOrDie;
using testing::TestOptions;
namespace frame = testing;

constexpr uint32_t kRefusedStream = 7;
constexpr uint32_t kCancel = 8;
constexpr uint32_t kEnhanceYourCalm = 11;

std::unique_ptr<H2Client> ConnectH2(uint16_t port) {
  auto client = H2Client::Connect(port, absl::Seconds(5));
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(client).value() : nullptr;
}

// Preface and an empty SETTINGS frame: a raw client's opening.
std::string Opening() {
  return std::string(kH2Preface) + Frame(frame::kSettings, 0, 0, "");
}

TEST(H2ServerTest, GetAndPostReachTheHandlerLikeHttp11) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto get = client->RoundTrip("GET", "/a/b?x=1", {{"x-test", "1"}}, "");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /a/b?x=1 host=127.0.0.1\n");
  EXPECT_EQ(get->Header("content-type"), "text/plain");
  EXPECT_EQ(get->Header("server"), "protogate");
  EXPECT_FALSE(get->Header("date").empty());
  EXPECT_FALSE(get->Header("x-remote").empty());
  // A second request on the same connection, with a body.
  auto post = client->RoundTrip("POST", "/p", {}, "hello");
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->body, "POST /p host=127.0.0.1\nhello");
  EXPECT_EQ(post->Header("content-length"), std::to_string(post->body.size()));
}

TEST(H2ServerTest, ConcurrentStreamsAreAnsweredIndependently) {
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder p) {
    stash.Put(r, std::move(p));
  });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto first = client->Start("GET", "/1", {}, "");
  auto second = client->Start("GET", "/2", {}, "");
  ASSERT_TRUE(first.ok() && second.ok());
  // Answer in reverse order: HTTP/2 does not keep request order.
  std::optional<Responder> a = stash.Take();
  std::optional<Responder> b = stash.Take();
  ASSERT_TRUE(a.has_value() && b.has_value());
  b->Send({.status = 201, .body = "b"});
  auto second_response = client->Wait(*second);
  ASSERT_TRUE(second_response.ok()) << second_response.status();
  EXPECT_EQ(second_response->status, 201);
  a->Send({.status = 202, .body = "a"});
  auto first_response = client->Wait(*first);
  ASSERT_TRUE(first_response.ok()) << first_response.status();
  EXPECT_EQ(first_response->status, 202);
}

TEST(H2ServerTest, StreamedResponseEndsWithTrailers) {
  auto server =
      StartOrDie(TestOptions(), [](const Request&, Responder responder) {
        ResponseStream stream =
            responder.Stream({.status = 200,
                              .headers = {{"Content-Type", "application/grpc"}},
                              .body = "ab"});
        stream.Write("cd", [](bool) {});
        stream.Finish({{"grpc-status", "0"}, {"Grpc-Message", "ok"}});
      });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response = client->RoundTrip("POST", "/s", {}, "x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "abcd");
  EXPECT_EQ(response->Header("content-type"), "application/grpc");
  ASSERT_EQ(response->trailers.size(), 2u);
  EXPECT_EQ(response->trailers[0],
            std::make_pair(std::string("grpc-status"), std::string("0")));
  EXPECT_EQ(response->trailers[1],
            std::make_pair(std::string("grpc-message"), std::string("ok")));
  EXPECT_FALSE(response->reset);
}

TEST(H2ServerTest, AbortedStreamIsReset) {
  auto server =
      StartOrDie(TestOptions(), [](const Request&, Responder responder) {
        ResponseStream stream = responder.Stream({.status = 200, .body = "a"});
        stream.Abort();
      });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response = client->RoundTrip("GET", "/s", {}, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->reset);
}

// A body larger than the stream window is read through Request::body_stream
// and acknowledged as it is read.
TEST(H2ServerTest, StreamedRequestBodyFlowsThroughSmallWindows) {
  ServerOptions options = TestOptions();
  options.http2.initial_stream_window_bytes = 16 * 1024;
  options.http2.initial_connection_window_bytes = 64 * 1024;
  options.stream_body = [](std::string_view, std::string_view) { return true; };
  auto server =
      StartOrDie(options, [](const Request& request, Responder responder) {
        struct Reader {
          std::shared_ptr<BodyStream> body;
          Responder responder;
          size_t total = 0;
          void Next(std::shared_ptr<Reader> self) {
            body->Read([self](absl::StatusOr<BodyPiece> piece) {
              if (!piece.ok()) {
                self->responder.Send({.status = 500});
                return;
              }
              self->total += piece->data.size();
              if (piece->last) {
                self->responder.Send(
                    {.status = 200, .body = absl::StrCat(self->total)});
                return;
              }
              self->Next(self);
            });
          }
        };
        auto reader = std::make_shared<Reader>(
            Reader{request.body_stream(), std::move(responder)});
        reader->Next(reader);
      });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response =
      client->RoundTrip("POST", "/upload", {}, std::string(1 << 20, 'x'));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::to_string(1 << 20));
}

TEST(H2ServerTest, OverLongHeaderListIs431) {
  ServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  auto server = StartOrDie(options, EchoHandler);
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response =
      client->RoundTrip("GET", "/", {{"x-big", std::string(2000, 'v')}}, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 431);
  // The connection still serves.
  auto next = client->RoundTrip("GET", "/", {}, "");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->status, 200);
}

TEST(H2ServerTest, OverLongBodyIs413) {
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1000;
  std::atomic<int> refused{0};
  options.events.refused = [&](int status) {
    if (status == 413) ++refused;
  };
  auto server = StartOrDie(options, EchoHandler);
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response = client->RoundTrip("POST", "/", {}, std::string(5000, 'b'));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(refused.load(), 1);
}

TEST(H2ServerTest, StreamsOverTheConcurrencyLimitAreRefused) {
  ServerOptions options = TestOptions();
  options.http2.max_concurrent_streams = 2;
  ResponderStash stash;
  auto server = StartOrDie(options, [&](const Request& r, Responder p) {
    stash.Put(r, std::move(p));
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string bytes = Opening();
  for (uint32_t id : {1u, 3u, 5u}) {
    bytes += Frame(frame::kHeaders, frame::kEndHeaders | frame::kEndStream, id,
                   frame::GetRequestBlock());
  }
  ASSERT_TRUE(client->Send(bytes));
  H2FrameReader reader(*client);
  std::optional<H2Frame> reset = reader.NextOf(frame::kRstStream, 5);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->ErrorCode(), kRefusedStream);
  EXPECT_TRUE(stash.Take().has_value());
  EXPECT_TRUE(stash.Take().has_value());
  EXPECT_FALSE(stash.Take(absl::Milliseconds(100)).has_value());
}

// CVE-2023-44487: streams opened and reset at once, faster than the bucket.
TEST(H2ServerTest, RapidResetGetsGoawayEnhanceYourCalm) {
  ServerOptions options = TestOptions();
  options.http2.reset_burst = 20;
  options.http2.resets_per_second = 1;
  std::atomic<int> handled{0};
  auto server = StartOrDie(options, [&](const Request&, Responder r) {
    ++handled;
    r.Send({.status = 200});
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string bytes = Opening();
  for (uint32_t i = 0; i < 200; ++i) {
    const uint32_t id = 2 * i + 1;
    bytes += Frame(frame::kHeaders, frame::kEndHeaders, id,
                   frame::GetRequestBlock());
    bytes += Frame(frame::kRstStream, 0, id, frame::U32(kCancel));
  }
  client->Send(bytes);  // May fail part way: the server closes.
  H2FrameReader reader(*client);
  std::optional<H2Frame> goaway = reader.NextOf(frame::kGoaway);
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->ErrorCode(), kEnhanceYourCalm);
  EXPECT_FALSE(reader.Next().has_value());  // Then closed.
  EXPECT_LT(handled.load(), 200);
}

// CVE-2024-28182: a header block continued without end.
TEST(H2ServerTest, ContinuationFloodClosesTheConnection) {
  std::atomic<int> handled{0};
  auto server = StartOrDie(TestOptions(), [&](const Request&, Responder r) {
    ++handled;
    r.Send({.status = 200});
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string bytes =
      Opening() + Frame(frame::kHeaders, 0, 1, frame::GetRequestBlock());
  for (int i = 0; i < 10000; ++i) {
    bytes += Frame(frame::kContinuation, 0, 1, frame::LiteralField("x-a", "b"));
  }
  client->Send(bytes);
  H2FrameReader reader(*client);
  // Whatever comes first (GOAWAY), the connection ends without an answer.
  std::optional<H2Frame> frame;
  int frames = 0;
  while ((frame = reader.Next()).has_value()) {
    EXPECT_NE(frame->type, frame::kHeaders);
    ++frames;
    ASSERT_LT(frames, 100);
  }
  EXPECT_EQ(handled.load(), 0);
}

// SETTINGS and PING each owe an ACK: a client sending them in bulk
// without reading is cut off instead of queueing ACKs without bound.
void ExpectFloodClosed(const std::string& one_frame, uint8_t ack_type) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  int buffer = 4096;  // Small, so the server's writes back up.
  ::setsockopt(client->fd(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer));
  constexpr int kFrames = 200000;
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += one_frame;
  bool sent_all = client->Send(Opening());
  for (int i = 0; i < kFrames / 1000 && sent_all; ++i) {
    sent_all = client->Send(batch);
  }
  H2FrameReader reader(*client);
  int acks = 0;
  while (std::optional<H2Frame> frame = reader.Next()) {
    if (frame->type == ack_type && (frame->flags & frame::kAck) != 0) ++acks;
  }
  // The connection ended (Next() saw EOF or reset) with ACKs missing.
  EXPECT_LT(acks, kFrames);
}

TEST(H2ServerTest, SettingsFloodClosesTheConnection) {
  ExpectFloodClosed(Frame(frame::kSettings, 0, 0, ""), frame::kSettings);
}

TEST(H2ServerTest, PingFloodClosesTheConnection) {
  ExpectFloodClosed(Frame(frame::kPing, 0, 0, std::string(8, 'p')),
                    frame::kPing);
}

// A client that never opens its window: the response cannot be sent, and
// the stream is reset after the read timeout instead of being held.
TEST(H2ServerTest, ZeroWindowStallIsResetAfterTheReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = absl::Milliseconds(300);
  auto server = StartOrDie(options, [](const Request&, Responder r) {
    r.Send({.status = 200, .body = std::string(100000, 'z')});
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  std::string bytes =
      std::string(kH2Preface) +
      Frame(frame::kSettings, 0, 0, frame::Setting(0x4, 0)) +  // Window 0.
      Frame(frame::kHeaders, frame::kEndHeaders | frame::kEndStream, 1,
            frame::GetRequestBlock());
  ASSERT_TRUE(client->Send(bytes));
  H2FrameReader reader(*client);
  std::optional<H2Frame> frame;
  bool got_data = false;
  while ((frame = reader.Next()).has_value()) {
    if (frame->type == frame::kData && !frame->payload.empty()) got_data = true;
    if (frame->type == frame::kRstStream && frame->stream_id == 1) break;
  }
  ASSERT_TRUE(frame.has_value()) << "no RST_STREAM";
  EXPECT_EQ(frame->ErrorCode(), kCancel);
  EXPECT_FALSE(got_data);
}

TEST(H2ServerTest, ShutdownSendsGoawayAndLetsStreamsFinish) {
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder p) {
    stash.Put(r, std::move(p));
  });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto id = client->Start("GET", "/slow", {}, "");
  ASSERT_TRUE(id.ok());
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());
  std::thread shutdown([&] { server->Shutdown(absl::Seconds(5)); });
  ASSERT_TRUE(client->WaitForGoaway().ok());
  EXPECT_EQ(client->goaway_code(), 0u);  // NO_ERROR: a graceful drain.
  // The in-flight stream still gets its answer after the GOAWAY.
  responder->Send({.status = 200, .body = "late"});
  auto response = client->Wait(*id);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "late");
  shutdown.join();
}

// The protocol is chosen by the first bytes even when they arrive one by
// one: "P" could start either "POST" or the preface.
TEST(H2ServerTest, SplitFirstBytesStillChooseTheProtocol) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  auto http1 = RawClient::Connect(server->port());
  ASSERT_NE(http1, nullptr);
  ASSERT_TRUE(http1->Send("P"));
  ASSERT_TRUE(
      http1->Send("OST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
  auto response = http1->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);

  auto http2 = RawClient::Connect(server->port());
  ASSERT_NE(http2, nullptr);
  const std::string opening = Opening();
  ASSERT_TRUE(http2->Send(opening.substr(0, 2)));
  ASSERT_TRUE(
      http2->Send(opening.substr(2) +
                  Frame(frame::kHeaders, frame::kEndHeaders | frame::kEndStream,
                        1, frame::GetRequestBlock())));
  H2FrameReader reader(*http2);
  std::optional<H2Frame> headers = reader.NextOf(frame::kHeaders, 1);
  ASSERT_TRUE(headers.has_value());
  // HPACK: the first block opens with a dynamic table size update to 0
  // (0x20: the server encodes without a dynamic table), then an indexed
  // ":status: 200", the static table entry 8 (0x88).
  ASSERT_GE(headers->payload.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(headers->payload[0]), 0x20);
  EXPECT_EQ(static_cast<uint8_t>(headers->payload[1]), 0x88);
}

TEST(H2ServerTest, HeadAnswerHasTheLengthButNoBody) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  auto response = client->RoundTrip("HEAD", "/h", {}, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(response->Header("content-length"),
            std::to_string(std::string("HEAD /h host=127.0.0.1\n").size()));
}

// A request whose body never comes is reset at the read timeout; the
// connection stays.
TEST(H2ServerTest, IncompleteRequestIsResetAtTheReadTimeout) {
  ServerOptions options = TestOptions();
  options.read_timeout = absl::Milliseconds(200);
  std::atomic<int> handled{0};
  auto server = StartOrDie(options, [&](const Request&, Responder r) {
    ++handled;
    r.Send({.status = 200});
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send(Opening() + Frame(frame::kHeaders, frame::kEndHeaders, 1,
                                     frame::GetRequestBlock())));
  H2FrameReader reader(*client);
  std::optional<H2Frame> reset = reader.NextOf(frame::kRstStream, 1);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->ErrorCode(), kCancel);
  EXPECT_EQ(handled.load(), 0);
}

// A connection without streams for the idle timeout is told GOAWAY and
// closed.
TEST(H2ServerTest, IdleConnectionGetsGoawayAndIsClosed) {
  ServerOptions options = TestOptions();
  options.idle_timeout = absl::Milliseconds(200);
  auto server = StartOrDie(options, EchoHandler);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(Opening()));
  H2FrameReader reader(*client);
  std::optional<H2Frame> goaway = reader.NextOf(frame::kGoaway);
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->ErrorCode(), 0u);
  EXPECT_FALSE(reader.Next().has_value());
}

TEST(H2ServerTest, Http11StillServedOnTheSamePort) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"));
  auto response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

// The handler's side of a client that goes away: its RST_STREAM, or its
// connection closing, while the handler holds the request raises
// Request::cancellation() (what cancels a unary upstream call).
TEST(H2ServerTest, ClientResetOrCloseRaisesTheRequestCancellation) {
  absl::Notification reset_seen;
  absl::Notification close_seen;
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder p) {
    ClientCancellation* gone = r.cancellation();
    EXPECT_NE(gone, nullptr);
    if (gone == nullptr) return;
    absl::Notification* seen = r.path() == "/" ? &reset_seen : &close_seen;
    gone->OnCancel([seen] { seen->Notify(); });
    stash.Put(r, std::move(p));
  });
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      Opening() + Frame(frame::kHeaders, frame::kEndHeaders | frame::kEndStream,
                        1, frame::GetRequestBlock())));
  std::optional<Responder> first = stash.Take();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(reset_seen.HasBeenNotified());
  ASSERT_TRUE(
      client->Send(Frame(frame::kRstStream, 0, 1, frame::U32(kCancel))));
  EXPECT_TRUE(reset_seen.WaitForNotificationWithTimeout(absl::Seconds(10)));
  first->Send({.status = 200});  // Dropped: the stream is gone.

  // GET /x (":path" as a literal) on stream 3, then the connection closes.
  ASSERT_TRUE(client->Send(Frame(frame::kHeaders,
                                 frame::kEndHeaders | frame::kEndStream, 3,
                                 std::string("\x82\x86\x41\x01h", 5) +
                                     frame::LiteralField(":path", "/x"))));
  std::optional<Responder> second = stash.Take();
  ASSERT_TRUE(second.has_value());
  EXPECT_FALSE(close_seen.HasBeenNotified());
  client.reset();
  EXPECT_TRUE(close_seen.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

// A response the handler finished does not raise it.
TEST(H2ServerTest, AnsweredRequestIsNotCancelled) {
  std::atomic<int> cancelled{0};
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder p) {
    r.cancellation()->OnCancel([&] { ++cancelled; });
    p.Send({.status = 200, .body = "ok"});
  });
  auto client = ConnectH2(server->port());
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 2; ++i) {
    auto response = client->RoundTrip("GET", "/a", {}, "");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
  }
  // The first stream closed before the second was answered.
  EXPECT_EQ(cancelled.load(), 0);
}

}  // namespace
}  // namespace protogate::http
