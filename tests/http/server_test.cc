// Basic behaviour of http::Server over real sockets: echo, keep-alive,
// pipelining, HEAD, responders answered later or dropped, start-up errors.
#include "gateway/http/server.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
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
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ServerTest, EchoesGetWithServerHeaders) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET /v1/books?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "GET /v1/books?x=1 host=a\n");
  EXPECT_EQ(response->Header("Server"), "protogate");
  EXPECT_EQ(response->Header("Connection"), "keep-alive");
  EXPECT_EQ(response->Header("Content-Length"), "25");
  EXPECT_EQ(response->Header("Content-Type"), "text/plain");
  EXPECT_THAT(response->Header("X-Remote"), StartsWith("127.0.0.1:"));
  EXPECT_THAT(
      response->Header("Date"),
      ::testing::MatchesRegex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} "
                              "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT"));
  // The cached date is the current one.
  absl::Time date;
  std::string err;
  ASSERT_TRUE(absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT",
                              response->Header("Date"), &date, &err))
      << err;
  EXPECT_LT(absl::AbsDuration(absl::Now() - date), absl::Seconds(5));
}

TEST(ServerTest, EchoesPostBody) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"
                   "hello world"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /b host=h\nhello world");
}

TEST(ServerTest, DecodesChunkedBody) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "POST /c host=h\nhello world");
}

TEST(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  for (std::string target : {"/one", "/two"}) {
    ASSERT_TRUE(client->Send("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, "GET " + target + " host=h\n");
    EXPECT_EQ(response->Header("Connection"), "keep-alive");
  }
}

TEST(ServerTest, AnswersPipelinedRequestsInOrder) {
  // The first request is answered last by the handler; order must hold.
  ResponderStash stash;
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder s) {
    if (r.target() == "/slow") {
      stash.Put(r, std::move(s));
    } else {
      EchoHandler(r, std::move(s));
    }
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"
                   "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                   "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<Responder> slow = stash.Take();
  ASSERT_TRUE(slow.has_value());
  slow->Send({.status = 202, .body = "slow"});
  std::optional<RawResponse> first = client->ReadResponse();
  std::optional<RawResponse> second = client->ReadResponse();
  std::optional<RawResponse> third = client->ReadResponse();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 202);
  EXPECT_EQ(first->body, "slow");
  EXPECT_EQ(second->body, "POST /2 host=h\nabc");
  EXPECT_EQ(third->body, "GET /3 host=h\n");
}

TEST(ServerTest, BadPipelinedRequestClosesAfterTheGoodOnes) {
  std::atomic<int> calls{0};
  auto server = StartOrDie(TestOptions(), [&](const Request& r, Responder s) {
    ++calls;
    EchoHandler(r, std::move(s));
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
                   "GET /2#x HTTP/1.1\r\nHost: h\r\n\r\n"
                   "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> good = client->ReadResponse();
  std::optional<RawResponse> bad = client->ReadResponse();
  ASSERT_TRUE(good && bad);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->Header("Connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
  EXPECT_EQ(calls.load(), 1);
}

TEST(ServerTest, IgnoresOneEmptyLineBeforeARequest) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
      "\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> a = client->ReadResponse();
  std::optional<RawResponse> b = client->ReadResponse();
  std::optional<RawResponse> c = client->ReadResponse();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->body, "GET /b host=h\n");
  EXPECT_EQ(c->status, 400);  // Two empty lines are not tolerated.
  EXPECT_TRUE(client->WaitForClose());
}

TEST(ServerTest, HeadSendsContentLengthButNoBody) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"
                   "GET /g HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> head = client->ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "15");  // "HEAD /h host=h\n"
  // Had a body been written, it would now be misread as the next response.
  std::optional<RawResponse> get = client->ReadResponse();
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->body, "GET /g host=h\n");
}

TEST(ServerTest, Http10ClosesUnlessKeepAliveRequested) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<RawResponse> kept = client->ReadResponse();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->Header("Connection"), "keep-alive");
  ASSERT_TRUE(client->Send("GET /b HTTP/1.0\r\n\r\n"));
  std::optional<RawResponse> closed = client->ReadResponse();
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->status, 200);
  EXPECT_EQ(closed->Header("Connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
}

TEST(ServerTest, ConnectionCloseRequestIsHonoured) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(client->WaitForClose());
}

TEST(ServerTest, ResponderSendsFromAnotherThread) {
  auto server = StartOrDie(TestOptions(), [](const Request& r, Responder s) {
    std::string body = r.body();
    std::thread([s = std::move(s), body]() mutable {
      s.Send({.status = 201, .body = "later:" + body});
    }).detach();
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client->Send(
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx"));
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 201);
    EXPECT_EQ(response->body, "later:x");
  }
}

TEST(ServerTest, DroppedResponderAnswers500AndKeepsConnection) {
  auto server = StartOrDie(TestOptions(), [](const Request&, Responder) {});
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 500);
    EXPECT_EQ(response->Header("Content-Type"), "application/json");
    EXPECT_THAT(response->body, StartsWith("{\"code\":13,\"message\":\""));
    EXPECT_THAT(response->body, HasSubstr("\"details\":[]}"));
  }
}

TEST(ServerTest, ThrowingHandlerAnswers500) {
  auto server = StartOrDie(TestOptions(), [](const Request&, Responder) {
    throw std::runtime_error("boom");
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_THAT(response->body, ::testing::Not(HasSubstr("boom")));
}

TEST(ServerTest, CustomMethodAndAsteriskOptionsReachHandler) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("FROBNICATE /x HTTP/1.1\r\nHost: h\r\n\r\n"
                   "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> custom = client->ReadResponse();
  std::optional<RawResponse> options = client->ReadResponse();
  ASSERT_TRUE(custom && options);
  EXPECT_EQ(custom->body, "FROBNICATE /x host=h\n");
  EXPECT_EQ(options->body, "OPTIONS * host=h\n");
}

// RFC 9112 3.2.2: a server MUST accept the absolute form; the handler sees
// its path and query, and its authority as Host.
TEST(ServerTest, AbsoluteFormTargetIsRoutedByItsPath) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(
      "GET http://api.example:8080/v1/shelves?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "GET HTTPS://[::1]?y=2 HTTP/1.1\r\nHost: [::1]\r\n\r\n"
      "GET / HTTP/1.1\r\nHost: ex%41mple.com:80\r\n\r\n"));
  std::optional<RawResponse> first = client->ReadResponse();
  std::optional<RawResponse> second = client->ReadResponse();
  std::optional<RawResponse> third = client->ReadResponse();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "GET /v1/shelves?x=1 host=api.example:8080\n");
  EXPECT_EQ(second->body, "GET /?y=2 host=[::1]\n");
  EXPECT_EQ(third->body, "GET / host=ex%41mple.com:80\n");
}

TEST(ServerTest, ManagedAndInvalidResponseHeadersAreDropped) {
  auto server = StartOrDie(TestOptions(), [](const Request&, Responder s) {
    Response response{.status = 200, .body = "abc"};
    response.headers = {{"Content-Length", "999"},
                        {"Connection", "close"},
                        {"X-Injected", "a\r\nEvil: 1"},
                        {"Bad Name", "v"},
                        {"X-Good", "yes"}};
    s.Send(std::move(response));
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  std::optional<RawResponse> response = client->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("Content-Length"), "3");
  EXPECT_EQ(response->Header("Connection"), "keep-alive");
  EXPECT_EQ(response->Header("X-Injected"), "");
  EXPECT_EQ(response->Header("Evil"), "");
  EXPECT_EQ(response->Header("X-Good"), "yes");
  EXPECT_EQ(response->body, "abc");
}

TEST(ServerTest, NoContentResponseHasNoBodyOrLength) {
  auto server = StartOrDie(TestOptions(), [](const Request&, Responder s) {
    s.Send({.status = 204, .body = "ignored"});
  });
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\n"
                   "DELETE /y HTTP/1.1\r\nHost: h\r\n\r\n"));
  for (int i = 0; i < 2; ++i) {
    std::optional<RawResponse> response = client->ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 204);
    EXPECT_EQ(response->Header("Content-Length"), "");
  }
}

TEST(ServerTest, ExpectContinueGets100BeforeTheBody) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(
      client->Send("PUT /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                   "Content-Length: 4\r\n\r\n"));
  std::optional<RawResponse> interim = client->ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client->Send("data"));
  std::optional<RawResponse> final_response = client->ReadResponse();
  ASSERT_TRUE(final_response.has_value());
  EXPECT_EQ(final_response->body, "PUT /p host=h\ndata");
}

TEST(ServerTest, ServesManyConnectionsOnManyThreads) {
  ServerOptions options = TestOptions();
  options.io_threads = 4;
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      auto client = RawClient::Connect(server->port());
      if (client == nullptr) return;
      for (int i = 0; i < 5; ++i) {
        std::string target = absl::StrCat("/c", c, "/", i);
        if (!client->Send("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")) {
          return;
        }
        std::optional<RawResponse> response = client->ReadResponse();
        if (response && response->body == "GET " + target + " host=h\n") ++ok;
      }
    });
  }
  for (std::thread& t : clients) t.join();
  EXPECT_EQ(ok.load(), 16 * 5);
}

TEST(ServerTest, StartFailsWithUnavailableWhenPortIsTaken) {
  auto first = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(first, nullptr);
  ServerOptions options = TestOptions();
  options.port = first->port();
  absl::StatusOr<std::unique_ptr<Server>> second =
      Server::Start(options, EchoHandler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr(absl::StrCat("127.0.0.1:", first->port())));
}

TEST(ServerTest, StartFailsWithInvalidArgumentForBadHost) {
  ServerOptions options = TestOptions();
  options.host = "no such host!";
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, EchoHandler);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(server.status().message()),
              HasSubstr("no such host!"));
}

TEST(ServerTest, DefaultThreadCountServes) {
  ServerOptions options = TestOptions();
  options.io_threads = 0;
  auto server = StartOrDie(options, EchoHandler);
  ASSERT_NE(server, nullptr);
  EXPECT_NE(server->port(), 0);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE(client->ReadResponse().has_value());
}

}  // namespace
}  // namespace protogate::http
