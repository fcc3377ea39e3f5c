// FreeTcpPort: a TCP port of 127.0.0.1 for a test to hand to a server it
// starts (redis-server, prometheus) or to name as a place where nothing
// listens.
//
// The port is the kernel's pick for port 0 and is free when the function
// returns; another process may take it before the test uses it (the usual
// race of this technique, rare on a test machine's ephemeral range).
// Thread safety: any thread.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace protogate::testing {

// The port, or 0 when no socket could be bound.
inline int FreeTcpPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 &&
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  return port;
}

}  // namespace protogate::testing
