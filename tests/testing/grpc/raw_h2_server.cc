#include "tests/testing/grpc/raw_h2_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace protogate::testing {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint8_t kData = 0, kHeaders = 1, kSettings = 4, kPing = 6,
                  kGoaway = 7;
constexpr uint8_t kEndStream = 0x1, kAck = 0x1, kEndHeaders = 0x4;
constexpr int kPollMs = 50;

std::string Frame(uint8_t type, uint8_t flags, uint32_t stream,
                  std::string_view payload) {
  std::string out;
  const uint32_t n = payload.size();
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((stream >> shift) & 0xff));
  }
  out.append(payload);
  return out;
}

// An HPACK string length: 7-bit prefix integer, Huffman bit clear.
void AppendLength(size_t n, std::string& out) {
  if (n < 127) {
    out.push_back(static_cast<char>(n));
    return;
  }
  out.push_back(static_cast<char>(127));
  n -= 127;
  while (n >= 128) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

// Literal header field without indexing, new name (RFC 7541 6.2.2).
void AppendField(std::string_view name, std::string_view value,
                 std::string& out) {
  out.push_back(0);
  AppendLength(name.size(), out);
  out.append(name);
  AppendLength(value.size(), out);
  out.append(value);
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RawH2Server>> RawH2Server::Start(
    RawH2Response response) {
  std::unique_ptr<RawH2Server> server(new RawH2Server(std::move(response)));
  server->listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (server->listen_fd_ < 0 ||
      ::bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
             sizeof(addr)) != 0 ||
      ::listen(server->listen_fd_, 16) != 0 ||
      ::getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr),
                    &len) != 0) {
    return absl::UnavailableError("raw h2 server: cannot listen");
  }
  server->port_ = ntohs(addr.sin_port);
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

RawH2Server::~RawH2Server() {
  stop_.store(true);
  acceptor_.join();
  std::vector<std::thread> threads;
  std::vector<int> fds;
  {
    absl::MutexLock lock(&mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(connections_);
    fds.swap(fds_);
  }
  for (std::thread& t : threads) t.join();
  for (int fd : fds) ::close(fd);
  ::close(listen_fd_);
}

std::string RawH2Server::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void RawH2Server::AcceptLoop() {
  while (!stop_.load()) {
    pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    connections_accepted_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    fds_.push_back(fd);
    connections_.emplace_back([this, fd] { Serve(fd); });
  }
}

std::string RawH2Server::ResponseFrames(uint32_t stream_id) const {
  const bool has_trailers = !response_.trailers.empty();
  std::string block;
  AppendField(":status", absl::StrCat(response_.http_status), block);
  for (const auto& [name, value] : response_.headers) {
    AppendField(name, value, block);
  }
  uint8_t flags = kEndHeaders;
  if (!response_.send_message && !has_trailers) flags |= kEndStream;
  std::string out = Frame(kHeaders, flags, stream_id, block);
  if (response_.send_message) {
    std::string data(1, '\0');
    const uint32_t n = response_.message.size();
    for (int shift : {24, 16, 8, 0}) {
      data.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    data.append(response_.message);
    out += Frame(kData, has_trailers ? 0 : kEndStream, stream_id, data);
  }
  if (has_trailers) {
    std::string trailers;
    for (const auto& [name, value] : response_.trailers) {
      AppendField(name, value, trailers);
    }
    out += Frame(kHeaders, kEndHeaders | kEndStream, stream_id, trailers);
  }
  return out;
}

void RawH2Server::Serve(int fd) {
  std::string in;
  bool preface_seen = false;
  uint32_t last_stream = 0;
  bool goaway_sent = false;
  if (!WriteAll(fd, Frame(kSettings, 0, 0, ""))) return;
  while (!stop_.load()) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    char buf[16384];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) peer_closed_.fetch_add(1);
    if (n <= 0) return;
    in.append(buf, static_cast<size_t>(n));
    if (!preface_seen) {
      if (in.size() < kPreface.size()) continue;
      if (std::string_view(in).substr(0, kPreface.size()) != kPreface) return;
      in.erase(0, kPreface.size());
      preface_seen = true;
    }
    while (in.size() >= 9) {
      const auto* b = reinterpret_cast<const unsigned char*>(in.data());
      const size_t length = (size_t{b[0]} << 16) | (size_t{b[1]} << 8) | b[2];
      if (in.size() < 9 + length) break;
      const uint8_t type = b[3], flags = b[4];
      const uint32_t stream = ((uint32_t{b[5]} & 0x7f) << 24) |
                              (uint32_t{b[6]} << 16) | (uint32_t{b[7]} << 8) |
                              b[8];
      std::string payload = in.substr(9, length);
      in.erase(0, 9 + length);
      std::string reply;
      if (type == kSettings && !(flags & kAck)) {
        reply = Frame(kSettings, kAck, 0, "");
      } else if (type == kPing && !(flags & kAck)) {
        reply = Frame(kPing, kAck, 0, payload);
      } else if (type == kHeaders && stream > last_stream && !goaway_sent) {
        last_stream = stream;
        requests_.fetch_add(1);
        if (response_.close_on_request) {
          ::shutdown(fd, SHUT_RDWR);
          return;
        }
        if (response_.goaway_before_response) {
          std::string goaway;
          for (uint32_t v : {stream, 0u}) {  // Last stream id, NO_ERROR.
            for (int shift : {24, 16, 8, 0}) {
              goaway.push_back(static_cast<char>((v >> shift) & 0xff));
            }
          }
          reply = Frame(kGoaway, 0, 0, goaway);
          goaway_sent = true;
        }
        reply += ResponseFrames(stream);
      }
      if (!reply.empty() && !WriteAll(fd, reply)) return;
    }
  }
}

}  // namespace protogate::testing
