#include "tests/testing/grpc/raw_h2_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace protogate::testing {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr uint8_t kData = 0, kHeaders = 1, kRstStream = 3, kSettings = 4,
                  kPing = 6, kGoaway = 7, kWindowUpdate = 8;
constexpr int64_t kDefaultWindow = 65535;
constexpr size_t kMaxFrame = 16384;
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

std::string Be32(uint32_t v) {
  std::string out;
  for (int shift : {24, 16, 8, 0}) {
    out.push_back(static_cast<char>((v >> shift) & 0xff));
  }
  return out;
}

// GOAWAY with NO_ERROR.
std::string GoawayFrame(uint32_t last_stream) {
  return Frame(kGoaway, 0, 0, Be32(last_stream) + Be32(0));
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

uint32_t ReadBe32(const std::string& s, size_t at) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data() + at);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

// The client's flow-control windows, for huge_message_bytes.
struct RawH2Server::FlowState {
  int64_t connection = kDefaultWindow;
  int64_t initial = kDefaultWindow;  // SETTINGS_INITIAL_WINDOW_SIZE.
  uint32_t stream = 0;               // The huge message's stream, if any.
  int64_t stream_window = 0;
  int64_t left = 0;  // Message bytes (frame header included) still to send.
  bool header_sent = false;
};

void RawH2Server::OnFlowFrame(uint8_t type, uint32_t stream,
                              const std::string& payload, FlowState& flow) {
  if (type == kWindowUpdate && payload.size() == 4) {
    const int64_t increment = ReadBe32(payload, 0) & 0x7fffffff;
    if (stream == 0) flow.connection += increment;
    if (stream != 0 && stream == flow.stream) flow.stream_window += increment;
  } else if (type == kSettings) {
    for (size_t i = 0; i + 6 <= payload.size(); i += 6) {
      const auto id =
          static_cast<uint16_t>((static_cast<unsigned char>(payload[i]) << 8) |
                                static_cast<unsigned char>(payload[i + 1]));
      if (id != 0x4) continue;  // SETTINGS_INITIAL_WINDOW_SIZE
      const int64_t value = ReadBe32(payload, i + 2);
      flow.stream_window += value - flow.initial;
      flow.initial = value;
    }
  } else if (type == kRstStream && stream != 0 && stream == flow.stream) {
    resets_.fetch_add(1);
    flow.left = 0;
  }
}

bool RawH2Server::SendHugeMessage(int fd, FlowState& flow) {
  while (flow.left > 0) {
    const int64_t n =
        std::min<int64_t>({static_cast<int64_t>(kMaxFrame), flow.left,
                           flow.connection, flow.stream_window});
    if (n <= 0) return true;
    std::string data(static_cast<size_t>(n), 'x');
    if (!flow.header_sent) {  // The gRPC frame header first.
      flow.header_sent = true;
      data.replace(0, 5,
                   std::string(1, '\0') + Be32(*response_.huge_message_bytes));
    }
    if (!WriteAll(fd, Frame(kData, 0, flow.stream, data))) return false;
    flow.left -= n;
    flow.connection -= n;
    flow.stream_window -= n;
    huge_bytes_sent_.fetch_add(n);
  }
  return true;
}

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
    const int connection = connections_accepted_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    fds_.push_back(fd);
    connections_.emplace_back(
        [this, fd, connection] { Serve(fd, connection); });
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

// One connection's state.
struct RawH2Server::Connection {
  int fd = -1;
  bool faulty = false;
  uint32_t last_stream = 0;
  uint32_t last_answered = 0;
  int answered = 0;
  bool goaway_sent = false;
  // Streams to answer, with when.
  std::vector<std::pair<absl::Time, uint32_t>> due;
  FlowState flow;
};

bool RawH2Server::SendDue(Connection& c, absl::Time now) {
  std::string ready;
  for (auto it = c.due.begin(); it != c.due.end();) {
    if (it->first > now) {
      ++it;
      continue;
    }
    ready += ResponseFrames(it->second);
    it = c.due.erase(it);
  }
  return ready.empty() || WriteAll(c.fd, ready);
}

RawH2Server::RequestOutcome RawH2Server::OnRequest(Connection& c,
                                                   uint32_t stream,
                                                   std::string& reply) {
  c.last_stream = stream;
  requests_.fetch_add(1);
  if (c.faulty && response_.close_on_request) {
    ::shutdown(c.fd, SHUT_RDWR);
    return RequestOutcome::kEnd;
  }
  if (c.faulty && response_.refuse_with_goaway_after.has_value() &&
      c.answered >= *response_.refuse_with_goaway_after) {
    if (!WriteAll(c.fd, GoawayFrame(c.last_answered))) {
      return RequestOutcome::kEnd;
    }
    c.goaway_sent = true;
    return RequestOutcome::kSkip;
  }
  if (c.faulty && response_.rst_stream_code.has_value()) {
    reply = Frame(kRstStream, 0, stream, Be32(*response_.rst_stream_code));
  } else if (c.faulty && response_.close_after_headers) {
    std::string frames = ResponseFrames(stream);
    // Only the HEADERS frame, without END_STREAM.
    const auto* h = reinterpret_cast<const unsigned char*>(frames.data());
    const size_t header_length =
        9 + ((size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2]);
    frames.resize(header_length);
    frames[4] = static_cast<char>(kEndHeaders);
    WriteAll(c.fd, frames);
    ::shutdown(c.fd, SHUT_RDWR);
    return RequestOutcome::kEnd;
  } else if (response_.huge_message_bytes.has_value()) {
    std::string block;
    AppendField(":status", "200", block);
    AppendField("content-type", "application/grpc", block);
    reply = Frame(kHeaders, kEndHeaders, stream, block);
    c.flow.stream = stream;
    c.flow.stream_window = c.flow.initial;
    c.flow.left = int64_t{*response_.huge_message_bytes} + 5;
    c.flow.header_sent = false;
  } else {
    if (response_.goaway_before_response) {
      reply = GoawayFrame(stream);
      c.goaway_sent = true;
    }
    ++c.answered;
    c.last_answered = stream;
    if (response_.response_delay == absl::ZeroDuration()) {
      reply += ResponseFrames(stream);
    } else if (response_.response_delay != absl::InfiniteDuration()) {
      c.due.emplace_back(absl::Now() + response_.response_delay, stream);
    }
  }
  return RequestOutcome::kReply;
}

void RawH2Server::Serve(int fd, int connection) {
  Connection c{.fd = fd,
               .faulty = response_.faulty_connections < 0 ||
                         connection < response_.faulty_connections};
  std::string in;
  bool preface_seen = false;
  std::string settings;
  if (response_.max_concurrent_streams.has_value()) {
    settings = std::string("\x00\x03", 2) +  // MAX_CONCURRENT_STREAMS
               Be32(*response_.max_concurrent_streams);
  }
  if (!WriteAll(fd, Frame(kSettings, 0, 0, settings))) return;
  while (!stop_.load()) {
    const absl::Time now = absl::Now();
    if (!SendDue(c, now) || !SendHugeMessage(fd, c.flow)) return;
    int wait_ms = kPollMs;
    for (const auto& [when, stream] : c.due) {
      wait_ms =
          std::min<int64_t>(wait_ms, absl::ToInt64Milliseconds(when - now) + 1);
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, std::max(wait_ms, 0)) <= 0) continue;
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
      if (!(flags & kAck)) OnFlowFrame(type, stream, payload, c.flow);
      if (type == kSettings && !(flags & kAck)) {
        reply = Frame(kSettings, kAck, 0, "");
      } else if (type == kPing && !(flags & kAck)) {
        pings_.fetch_add(1);
        if (response_.ack_pings) reply = Frame(kPing, kAck, 0, payload);
      } else if (type == kHeaders && stream > c.last_stream && !c.goaway_sent) {
        const RequestOutcome outcome = OnRequest(c, stream, reply);
        if (outcome == RequestOutcome::kEnd) return;
        if (outcome == RequestOutcome::kSkip) continue;
      }
      if (!reply.empty() && !WriteAll(fd, reply)) return;
    }
  }
}

}  // namespace protogate::testing
