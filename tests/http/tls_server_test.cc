// http::Server over TLS with real sockets: requests over TLS, the client
// certificate subject on Request, certificate reload while an old
// keep-alive connection keeps its certificate, the handshake timeout and
// garbage counted as failed handshakes and closed, and HTTP/2 over TLS
// (ALPN h2: large answers past the socket buffers, many streams at once).
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gateway/http/server.h"
#include "gateway/http/tls_context_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/http/test_server.h"
#include "tests/testing/h2_client.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/tls_client.h"

namespace protogate::http {
namespace {

using ::protogate::testing::ConnectLoopback;
using ::protogate::testing::H2Client;
using ::protogate::testing::TestPki;
using ::protogate::testing::TlsClient;
using ::testing::HasSubstr;

// Answers 200 with the client certificate subject in X-Subject.
void SubjectHandler(const Request& request, Responder responder) {
  Response response;
  response.headers.emplace_back(
      "X-Subject", std::string(request.peer_certificate_subject()));
  response.body = "ok";
  responder.Send(std::move(response));
}

// Answers GET /big/N with N bytes of a pattern, anything else with its
// path.
void SizeHandler(const Request& request, Responder responder) {
  Response response;
  const std::string path(request.path());
  if (path.starts_with("/big/")) {
    const size_t size = std::stoul(path.substr(5));
    response.body.resize(size);
    for (size_t i = 0; i < size; ++i) response.body[i] = 'a' + i % 26;
  } else {
    response.body = path;
  }
  responder.Send(std::move(response));
}

// Answers with the request's method, path and body.
void EchoHandler(const Request& request, Responder responder) {
  Response response;
  response.body = absl::StrCat(
      request.method(), " ", std::string(request.path()), " ", request.body());
  responder.Send(std::move(response));
}

// Replaces `to` by `from` atomically (as a config management tool would).
void Install(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".tmp",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".tmp", to);
}

// Whether the server closed `fd` (EOF or reset) before the receive timeout,
// discarding whatever it sent (a TLS alert) first. Sets *got_http when an
// HTTP answer came.
bool ClosedByServer(int fd, bool* got_http) {
  char buf[512];
  std::string received;
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;  // Timeout.
      break;                                                      // Reset.
    }
    received.append(buf, static_cast<size_t>(n));
  }
  *got_http = absl::StrContains(received, "HTTP/1.1");
  return true;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    ASSERT_TRUE(pki_->IssueServer("one", "/CN=gw.test", 101).ok());
    ASSERT_TRUE(pki_->IssueServer("two", "/CN=gw.test", 102).ok());
    ASSERT_TRUE(pki_->IssueClient("alice", "/O=Example/CN=alice", 7).ok());
    cert_ = pki_->dir() + "/live.pem";
    key_ = pki_->dir() + "/live.key";
    Install(pki_->Cert("one"), cert_);
    Install(pki_->Key("one"), key_);
  }

  void StartServer(std::string client_ca_file,
                   absl::Duration handshake_timeout = absl::Milliseconds(300),
                   Handler handler = SubjectHandler) {
    auto store =
        TlsContextStore::Create({.cert_file = cert_,
                                 .key_file = key_,
                                 .client_ca_file = client_ca_file,
                                 .alpn = tls::AlpnProtocols::kH2AndHttp11});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *store;
    ServerOptions options = testing::TestOptions();
    options.tls = store_;
    options.tls_handshake_timeout = handshake_timeout;
    options.events.tls_handshake_failed = [this] { failures_.fetch_add(1); };
    options.tls_idle_buffer_release = buffer_release_;
    options.events.tls_buffers_released = [this] { released_.fetch_add(1); };
    server_ = testing::StartOrDie(std::move(options), std::move(handler));
    ASSERT_NE(server_, nullptr);
  }

  TlsClient::Options ClientOptions() const {
    return {.ca_file = pki_->CaFile()};
  }

  // Waits up to 10 s for `count` idle connections' buffer releases.
  bool WaitForReleases(int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (released_.load() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return released_.load() == count;
  }

  // Waits up to 10 s for `count` failed handshakes.
  bool WaitForFailures(int count) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (failures_.load() < count && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    return failures_.load() == count;
  }

  std::unique_ptr<TestPki> pki_;
  std::string cert_, key_;
  std::shared_ptr<TlsContextStore> store_;
  std::atomic<int> failures_{0};
  absl::Duration buffer_release_ = absl::Seconds(1);
  std::atomic<int> released_{0};
  std::unique_ptr<Server> server_;
};

TEST_F(TlsServerTest, ServesKeepAliveRequestsOverTls) {
  StartServer("");
  auto client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::string> response = (*client)->Get("/x");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200")) << *response;
    EXPECT_THAT(*response, HasSubstr("X-Subject: \r\n"));
  }
  EXPECT_EQ(failures_.load(), 0);
}

// The connection keeps OpenSSL's record buffers while in use
// (SSL_MODE_RELEASE_BUFFERS cleared): idle, the loop's sweep frees them
// (SSL_free_buffers succeeds only on buffers it holds and that are empty),
// and the next request gets new ones.
TEST_F(TlsServerTest, IdleKeepAliveConnectionGivesItsTlsBuffersBack) {
  buffer_release_ = absl::Milliseconds(10);
  StartServer("");
  auto client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  for (int released = 1; released <= 2; ++released) {
    absl::StatusOr<std::string> response = (*client)->Get("/x");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200")) << *response;
    EXPECT_TRUE(WaitForReleases(released)) << released_.load();
  }
  absl::StatusOr<std::string> response = (*client)->Get("/x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200")) << *response;
}

// An HTTP/2 connection without streams gives its buffers back the same
// way; a large answer first (its frames fill the connection's write
// buffer), then new streams on the same connection get new ones.
TEST_F(TlsServerTest, IdleHttp2ConnectionGivesItsTlsBuffersBack) {
  buffer_release_ = absl::Milliseconds(10);
  StartServer("", absl::Milliseconds(300), SizeHandler);
  auto client = H2Client::ConnectTls(server_->port(), pki_->CaFile());
  ASSERT_TRUE(client.ok()) << client.status();
  for (int released = 1; released <= 2; ++released) {
    auto response = (*client)->RoundTrip("GET", "/big/300000", {}, "");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body.size(), 300000u);
    EXPECT_TRUE(WaitForReleases(released)) << released_.load();
  }
  auto response = (*client)->RoundTrip("GET", "/after", {}, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "/after");
  EXPECT_EQ(failures_.load(), 0);
}

// 24 MiB, more than the loopback socket buffers hold: the server's sends
// wait for the socket to drain, and every byte arrives in order.
TEST_F(TlsServerTest, Http2LargeAnswerArrivesWhole) {
  StartServer("", absl::Milliseconds(300), SizeHandler);
  auto client = H2Client::ConnectTls(server_->port(), pki_->CaFile());
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr size_t kSize = 24 << 20;
  auto response = (*client)->RoundTrip("GET", "/big/25165824", {}, "");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  ASSERT_EQ(response->body.size(), kSize);
  for (size_t i = 0; i < kSize; i += 4099) {
    ASSERT_EQ(response->body[i], static_cast<char>('a' + i % 26)) << i;
  }
  // The connection still serves requests.
  auto next = (*client)->RoundTrip("GET", "/after", {}, "");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->body, "/after");
}

// Many streams started before any answer is read: their requests reach
// the server in a few TLS records and reads, and each stream gets its own
// answer.
TEST_F(TlsServerTest, Http2ManyStreamsAtOnceEachGetTheirAnswer) {
  StartServer("", absl::Milliseconds(300), SizeHandler);
  auto client = H2Client::ConnectTls(server_->port(), pki_->CaFile());
  ASSERT_TRUE(client.ok()) << client.status();
  std::vector<int32_t> ids;
  for (int i = 0; i < 50; ++i) {
    auto id = (*client)->Start("GET", absl::StrCat("/s/", i), {}, "");
    ASSERT_TRUE(id.ok()) << id.status();
    ids.push_back(*id);
  }
  for (int i = 0; i < 50; ++i) {
    auto response = (*client)->Wait(ids[i]);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body, absl::StrCat("/s/", i));
  }
  EXPECT_EQ(failures_.load(), 0);
}

// A client that goes away over TLS (h2) while its request is in the
// handler raises the request's cancellation; an answer after that is
// dropped.
TEST_F(TlsServerTest, Http2ClientGoneRaisesTheRequestCancellation) {
  absl::Notification gone_seen;
  testing::ResponderStash stash;
  StartServer("", absl::Milliseconds(300),
              [&](const Request& request, Responder responder) {
                ClientCancellation* gone = request.cancellation();
                EXPECT_NE(gone, nullptr);
                if (gone != nullptr) {
                  gone->OnCancel([&gone_seen] { gone_seen.Notify(); });
                }
                stash.Put(request, std::move(responder));
              });
  auto client = H2Client::ConnectTls(server_->port(), pki_->CaFile());
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*client)->Start("GET", "/pending", {}, "").ok());
  std::optional<Responder> pending = stash.Take();
  ASSERT_TRUE(pending.has_value());
  EXPECT_FALSE(gone_seen.HasBeenNotified());
  client->reset();
  EXPECT_TRUE(gone_seen.WaitForNotificationWithTimeout(absl::Seconds(10)));
  pending->Send({.status = 200, .body = "late"});
}

TEST_F(TlsServerTest, ConnectionCloseEndsWithCloseNotify) {
  StartServer("");
  auto client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<TlsClient::UntilClose> result = (*client)->SendAndReadToClose(
      "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(absl::StartsWith(result->data, "HTTP/1.1 200")) << result->data;
  EXPECT_TRUE(absl::EndsWith(result->data, "ok"));
  // A clean end: a client reading until close can tell it from truncation.
  EXPECT_TRUE(result->close_notify);
}

// HTTP/1.1 over TLS: 24 MiB (the head and the body leave in separate
// records; the sends wait for the socket to drain), then the connection
// serves on.
TEST_F(TlsServerTest, Http11LargeAnswerArrivesWholeAndTheConnectionServesOn) {
  StartServer("", absl::Milliseconds(300), SizeHandler);
  auto client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr size_t kSize = 24 << 20;
  absl::StatusOr<std::string> response = (*client)->Get("/big/25165824");
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200")) << *response;
  const size_t body = response->find("\r\n\r\n") + 4;
  ASSERT_EQ(response->size() - body, kSize);
  for (size_t i = 0; i < kSize; i += 4099) {
    ASSERT_EQ((*response)[body + i], static_cast<char>('a' + i % 26)) << i;
  }
  response = (*client)->Get("/after");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(absl::EndsWith(*response, "/after")) << *response;
}

// Two requests in one TLS record (the second with a body and
// `Expect: 100-continue`, then `Connection: close`): answered in order, and
// the connection ends with close_notify.
TEST_F(TlsServerTest, Http11PipelinedRequestsWithABodyAreAnsweredInOrder) {
  StartServer("", absl::Milliseconds(300), EchoHandler);
  auto client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<TlsClient::UntilClose> result = (*client)->SendAndReadToClose(
      "GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "Expect: 100-continue\r\n"
      "Connection: close\r\n\r\nhello");
  ASSERT_TRUE(result.ok()) << result.status();
  const size_t first = result->data.find("GET /first ");
  const size_t second = result->data.find("POST /second hello");
  EXPECT_NE(first, std::string::npos) << result->data;
  EXPECT_NE(second, std::string::npos) << result->data;
  EXPECT_LT(first, second);
  EXPECT_TRUE(result->close_notify);
}

TEST_F(TlsServerTest, ClientCertificateSubjectIsOnTheRequest) {
  StartServer(pki_->CaFile());
  TlsClient::Options options = ClientOptions();
  options.cert_file = pki_->Cert("alice");
  options.key_file = pki_->Key("alice");
  auto client = TlsClient::Connect(server_->port(), options);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<std::string> response = (*client)->Get("/x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_THAT(*response, HasSubstr("X-Subject: CN=alice,O=Example\r\n"));

  // Without a certificate the handshake fails (TLS 1.3 reports it to the
  // client on its first read) and is counted.
  auto anonymous = TlsClient::Connect(server_->port(), ClientOptions());
  if (anonymous.ok()) {
    EXPECT_FALSE((*anonymous)->Get("/x").ok());
  }
  EXPECT_TRUE(WaitForFailures(1));
}

TEST_F(TlsServerTest, ReloadSwapsTheCertificateForNewConnectionsOnly) {
  StartServer("");
  auto old_client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(old_client.ok()) << old_client.status();
  EXPECT_EQ((*old_client)->PeerSerial(), 101);
  ASSERT_TRUE((*old_client)->Get("/x").ok());

  // Nothing changed: nothing rebuilt.
  auto before = store_->current();
  EXPECT_TRUE(store_->Reload().ok());
  EXPECT_EQ(store_->current(), before);

  // A broken certificate keeps the previous one.
  Install(pki_->Key("two"), cert_);
  absl::Status bad = store_->Reload();
  EXPECT_EQ(bad.code(), absl::StatusCode::kFailedPrecondition) << bad;
  EXPECT_EQ(store_->current(), before);

  Install(pki_->Key("two"), key_);
  Install(pki_->Cert("two"), cert_);
  ASSERT_TRUE(store_->Reload().ok());
  auto new_client = TlsClient::Connect(server_->port(), ClientOptions());
  ASSERT_TRUE(new_client.ok()) << new_client.status();
  EXPECT_EQ((*new_client)->PeerSerial(), 102);
  ASSERT_TRUE((*new_client)->Get("/x").ok());

  // The old connection goes on with its certificate.
  absl::StatusOr<std::string> response = (*old_client)->Get("/x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200"));
  EXPECT_EQ((*old_client)->PeerSerial(), 101);
}

TEST_F(TlsServerTest, SilentClientIsClosedAfterTheHandshakeTimeout) {
  StartServer("");
  absl::StatusOr<int> fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(fd.ok());
  bool got_http = false;
  EXPECT_TRUE(ClosedByServer(*fd, &got_http));
  EXPECT_FALSE(got_http);
  ::close(*fd);
  EXPECT_TRUE(WaitForFailures(1));
}

TEST_F(TlsServerTest, PlaintextHttpInsteadOfAClientHelloIsCountedAndClosed) {
  StartServer("");
  absl::StatusOr<int> fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(fd.ok());
  const std::string request = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(::send(*fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  bool got_http = false;
  EXPECT_TRUE(ClosedByServer(*fd, &got_http));
  EXPECT_FALSE(got_http);  // No handler ran, nothing but TLS was spoken.
  ::close(*fd);
  EXPECT_TRUE(WaitForFailures(1));
}

TEST_F(TlsServerTest, ShutdownClosesHandshakesInProgress) {
  // Neither the handshake timeout nor the grace period would end it: only
  // the drain closing the handshake lets Shutdown() return.
  StartServer("", absl::Hours(1));
  absl::StatusOr<int> fd = ConnectLoopback(server_->port());
  ASSERT_TRUE(fd.ok());
  // A handshake in progress: one TLS record header, then nothing.
  const char partial[] = {0x16, 0x03, 0x01};
  ASSERT_EQ(::send(*fd, partial, sizeof(partial), 0), 3);
  server_->Shutdown(absl::Hours(1));
  bool got_http = false;
  EXPECT_TRUE(ClosedByServer(*fd, &got_http));
  ::close(*fd);
}

}  // namespace
}  // namespace protogate::http
