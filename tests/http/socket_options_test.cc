// The HTTP server's accepted sockets have Nagle's algorithm off
// (TCP_NODELAY): a response written in several pieces (a stream's chunks,
// then its last chunk) must not wait for the client's delayed ACK. Without
// it, every streamed response on a reused keep-alive connection took 40 ms
// more (tests/hardening/lifecycle_test.cc's soak found it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <filesystem>
#include <string>

#include "absl/strings/numbers.h"
#include "gateway/http/server.h"
#include "gtest/gtest.h"
#include "tests/http/raw_client.h"
#include "tests/http/test_server.h"

namespace protogate::http {
namespace {

using ::protogate::http::testing::EchoHandler;
using ::protogate::http::testing::RawClient;
using ::protogate::http::testing::StartOrDie;
using ::protogate::http::testing::TestOptions;

// This process's connected socket whose local port is `port` (the server's
// side of a connection), or -1.
int AcceptedSocket(uint16_t port) {
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = -1;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &fd)) continue;
    sockaddr_in local{}, peer{};
    socklen_t len = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0 ||
        local.sin_family != AF_INET || ntohs(local.sin_port) != port) {
      continue;
    }
    len = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
      return fd;
    }
  }
  return -1;
}

TEST(SocketOptionsTest, AcceptedConnectionsHaveNagleOff) {
  auto server = StartOrDie(TestOptions(), EchoHandler);
  ASSERT_NE(server, nullptr);
  auto client = RawClient::Connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_TRUE(client->ReadResponse().has_value());  // Accepted by now.
  const int fd = AcceptedSocket(server->port());
  ASSERT_GE(fd, 0);
  int nodelay = 0;
  socklen_t len = sizeof(nodelay);
  ASSERT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
  EXPECT_NE(nodelay, 0);
}

}  // namespace
}  // namespace protogate::http
