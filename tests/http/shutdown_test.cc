// Graceful drain of http::Server: in-flight requests finish with
// `Connection: close`, idle connections close at once, new connections are
// refused, and the grace period bounds everything.
#include <thread>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/http/raw_client.h"
#include "tests/http/test_server.h"

namespace protogate::http {
namespace {

using ::protogate::http::testing::EchoHandler;
using ::protogate::http::testing::RawClient;
using ::protogate::http::testing::RawResponse;
using ::protogate::http::testing::ResponderStash;
using ::protogate::http::testing::StartOrDie;
using ::protogate::http::testing::TestOptions;

Handler StashSlowRequests(ResponderStash& stash) {
  return [&stash](const Request& r, Responder s) {
    if (r.target() == "/slow") {
      stash.Put(r, std::move(s));
    } else {
      EchoHandler(r, std::move(s));
    }
  };
}

TEST(ShutdownTest, InFlightRequestFinishesWithConnectionClose) {
  ResponderStash stash;
  ServerOptions options = TestOptions();
  options.io_threads = 1;
  auto server = StartOrDie(options, StashSlowRequests(stash));
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();

  auto idle = RawClient::Connect(port);
  ASSERT_NE(idle, nullptr);
  ASSERT_TRUE(idle->Send("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(idle->ReadResponse().has_value());
  auto busy = RawClient::Connect(port);
  ASSERT_NE(busy, nullptr);
  ASSERT_TRUE(busy->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());

  absl::Time start = absl::Now();
  std::thread shutdown([&] { server->Shutdown(absl::Seconds(10)); });
  // The idle connection closing shows the drain has reached the (single) loop.
  EXPECT_TRUE(idle->WaitForClose());
  EXPECT_EQ(RawClient::Connect(port), nullptr);

  responder->Send({.status = 200, .body = "finished"});
  std::optional<RawResponse> response = busy->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(busy->WaitForClose());
  busy.reset();  // Ends the server's lingering close at once.
  shutdown.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // Not the full grace.
  EXPECT_EQ(RawClient::Connect(port), nullptr);
}

TEST(ShutdownTest, GraceDeadlineForceClosesAndLateSendIsDropped) {
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), StashSlowRequests(stash));
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());

  absl::Time start = absl::Now();
  server->Shutdown(absl::Milliseconds(100));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(client->WaitForClose());
  server.reset();
  // The server is gone: sending and dropping the Responder must be harmless.
  responder->Send({.status = 200});
  responder.reset();
}

TEST(ShutdownTest, ResponderDroppedAfterServerIsDestroyed) {
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), StashSlowRequests(stash));
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());
  server.reset();  // Destructor: zero grace.
  EXPECT_TRUE(client->WaitForClose());
  responder.reset();  // Would answer 500; must be dropped quietly.
}

TEST(ShutdownTest, IdleServerShutsDownAtOnceAndIsIdempotent) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().has_value());
  absl::Time start = absl::Now();
  std::thread other([&] { server->Shutdown(absl::Seconds(30)); });
  server->Shutdown(absl::Seconds(30));
  other.join();
  server->Shutdown(absl::Seconds(30));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(client->WaitForClose());
}

TEST(ShutdownTest, PipelinedRequestsAfterTheInFlightOneAreNotServed) {
  ResponderStash stash;
  ServerOptions options = TestOptions();
  options.io_threads = 1;
  auto server = StartOrDie(options, StashSlowRequests(stash));
  ASSERT_NE(server, nullptr);
  uint16_t port = server->port();
  auto client = RawClient::Connect(port);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"
                   "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> responder = stash.Take();
  ASSERT_TRUE(responder.has_value());
  std::thread shutdown([&] { server->Shutdown(absl::Seconds(10)); });
  // Wait until the acceptor is closed, i.e. the drain is under way. Each
  // attempt is a real connect; refused means the drain has started.
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (RawClient::Connect(port) != nullptr && absl::Now() < deadline) {
  }
  responder->Send({.status = 200, .body = "last"});
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "last");
  EXPECT_TRUE(client->WaitForClose());
  client.reset();
  shutdown.join();
}

}  // namespace
}  // namespace protogate::http
