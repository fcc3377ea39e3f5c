// RawClient: a small blocking TCP client for HTTP server tests. Sends raw
// bytes and parses responses just enough for assertions. Every receive is
// bounded by SO_RCVTIMEO, so no test can hang on a socket.
//
// Thread safety: one RawClient per thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace protogate::http::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header with this name (case-insensitive), or "" if absent.
  std::string Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < key.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(key[i])) ==
               std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) return value;
    }
    return "";
  }
};

class RawClient {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{5000};

  // Connects to 127.0.0.1:`port`; nullptr if the connection is refused.
  static std::unique_ptr<RawClient> Connect(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return nullptr;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return nullptr;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto client = std::unique_ptr<RawClient>(new RawClient(fd));
    client->SetTimeout(kDefaultTimeout);
    return client;
  }

  ~RawClient() { ::close(fd_); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  void SetTimeout(std::chrono::milliseconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }

  // False if the bytes could not all be written (peer closed).
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response. `head_request`: the response has no body whatever
  // its Content-Length says. nullopt on timeout, EOF or garbage.
  std::optional<RawResponse> ReadResponse(bool head_request = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::optional<RawResponse> response = ParseHead(buffer_.substr(0, end));
    buffer_.erase(0, end + 4);
    if (!response.has_value()) return std::nullopt;
    std::string length = response->Header("Content-Length");
    if (head_request || length.empty()) return response;
    size_t body_size = std::stoul(length);
    while (buffer_.size() < body_size) {
      if (!Fill()) return std::nullopt;
    }
    response->body = buffer_.substr(0, body_size);
    buffer_.erase(0, body_size);
    return response;
  }

  // Reads up to and including `marker` (for example the end of a chunked
  // body) and returns those bytes. nullopt on timeout or EOF first.
  std::optional<std::string> ReadUntil(std::string_view marker) {
    size_t end;
    while ((end = buffer_.find(marker)) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::string bytes = buffer_.substr(0, end + marker.size());
    buffer_.erase(0, end + marker.size());
    return bytes;
  }

  // Reads exactly `n` bytes. nullopt on timeout or EOF first.
  std::optional<std::string> ReadBytes(size_t n) {
    while (buffer_.size() < n) {
      if (!Fill()) return std::nullopt;
    }
    std::string bytes = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return bytes;
  }

  // True if the peer closes the connection (EOF or reset) within the receive
  // timeout, with no further bytes arriving first.
  bool WaitForClose() {
    if (!buffer_.empty()) return false;
    char byte;
    for (;;) {
      ssize_t n = ::recv(fd_, &byte, 1, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      return false;
    }
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // The socket, for tests that set options of their own.
  int fd() const { return fd_; }

 private:
  explicit RawClient(int fd) : fd_(fd) {}

  bool Fill() {
    char chunk[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  static std::optional<RawResponse> ParseHead(std::string_view head) {
    RawResponse response;
    size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    if (status_line.substr(0, 9) != "HTTP/1.1 " || status_line.size() < 12) {
      return std::nullopt;
    }
    response.status = std::stoi(std::string(status_line.substr(9, 3)));
    while (line_end != std::string_view::npos) {
      head.remove_prefix(line_end + 2);
      line_end = head.find("\r\n");
      std::string_view line = head.substr(0, line_end);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      response.headers.emplace_back(std::string(line.substr(0, colon)),
                                    std::string(value));
    }
    return response;
  }

  int fd_;
  std::string buffer_;
};

}  // namespace protogate::http::testing
