#include "gateway/http/connection_dispatch.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/http/connection.h"
#include "gateway/http/h2_server_session.h"

namespace protogate::http {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// Enough of the preface to tell it from an HTTP/1.1 request line ("PRI " is
// not a method any HTTP/1.1 client sends: RFC 9113 3.4 reserves it).
constexpr size_t kDecisiveBytes = 4;
// A client that sent part of "PRI " is polled again after this.
constexpr auto kRepeekDelay = std::chrono::milliseconds(10);

enum class Protocol { kUndecided, kHttp1, kHttp2 };

Protocol Classify(std::string_view first) {
  const size_t n = std::min(first.size(), kDecisiveBytes);
  if (first.substr(0, n) != kPreface.substr(0, n)) return Protocol::kHttp1;
  return n == kDecisiveBytes ? Protocol::kHttp2 : Protocol::kUndecided;
}

// Waits for the first bytes of a connection, peeks them, and starts the
// matching session. Registered with the loop meanwhile, so a drain closes it.
class ProtocolSniffer : public Connection,
                        public std::enable_shared_from_this<ProtocolSniffer> {
 public:
  ProtocolSniffer(std::shared_ptr<IoLoop> loop,
                  std::shared_ptr<const SessionConfig> config,
                  LoopSocket socket)
      : loop_(std::move(loop)),
        config_(std::move(config)),
        socket_(std::move(socket)),
        timer_(loop_->ioc) {}
  ~ProtocolSniffer() override { loop_->sessions.erase(this); }

  void Start() {
    if (loop_->draining) return;  // Destroying the socket closes it.
    loop_->sessions.insert(this);
    deadline_ = std::chrono::steady_clock::now() +
                absl::ToChronoNanoseconds(config_->idle_timeout);
    Wait();
  }
  void BeginDrain() override { Close(); }
  void Close() override {
    if (done_) return;
    done_ = true;
    error_code ec;
    socket_.close(ec);
    timer_.cancel();
    Unregister();
  }

 private:
  void Wait() {
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec) self->Close();  // Idle timeout before the first bytes.
    });
    socket_.async_wait(LoopSocket::wait_read,
                       [self = shared_from_this()](const error_code& ec) {
                         self->OnReadable(ec);
                       });
  }

  void OnReadable(const error_code& ec) {
    if (done_) return;
    timer_.cancel();
    std::array<char, kDecisiveBytes> bytes{};
    error_code peek_ec;
    size_t n = ec ? 0
                  : socket_.receive(asio::buffer(bytes),
                                    LoopSocket::message_peek, peek_ec);
    if (ec || peek_ec || n == 0) {  // Error or EOF before any byte.
      Close();
      return;
    }
    switch (Classify(std::string_view(bytes.data(), n))) {
      case Protocol::kHttp1:
        Hand(Protocol::kHttp1);
        return;
      case Protocol::kHttp2:
        Hand(Protocol::kHttp2);
        return;
      case Protocol::kUndecided:
        break;
    }
    // The bytes stay readable: poll again shortly, within the deadline.
    timer_.expires_at(
        std::min(deadline_, std::chrono::steady_clock::now() + kRepeekDelay));
    timer_.async_wait([self = shared_from_this()](const error_code& wait_ec) {
      if (wait_ec || self->done_) return;
      if (std::chrono::steady_clock::now() >= self->deadline_) {
        self->Close();
        return;
      }
      self->OnReadable({});
    });
  }

  void Hand(Protocol protocol) {
    done_ = true;
    Unregister();
    if (protocol == Protocol::kHttp2) {
      StartHttp2(loop_, config_,
                 std::make_unique<TcpByteStream>(std::move(socket_)));
      return;
    }
    auto session =
        std::make_shared<Session>(loop_, config_, std::move(socket_));
    session->Start();
  }

  void Unregister() {
    loop_->sessions.erase(this);
    ReleaseLoopIfDrained(*loop_);
  }

  const std::shared_ptr<IoLoop> loop_;
  const std::shared_ptr<const SessionConfig> config_;
  LoopSocket socket_;
  boost::asio::basic_waitable_timer<
      std::chrono::steady_clock,
      boost::asio::wait_traits<std::chrono::steady_clock>,
      asio::io_context::executor_type>
      timer_;
  std::chrono::steady_clock::time_point deadline_;
  bool done_ = false;
};

}  // namespace

void StartConnection(std::shared_ptr<IoLoop> loop,
                     std::shared_ptr<const SessionConfig> config,
                     LoopSocket socket) {
  auto sniffer = std::make_shared<ProtocolSniffer>(
      std::move(loop), std::move(config), std::move(socket));
  sniffer->Start();
}

void StartHttp2(std::shared_ptr<IoLoop> loop,
                std::shared_ptr<const SessionConfig> config,
                std::unique_ptr<ByteStream> stream) {
  auto session = std::make_shared<H2ServerSession>(
      std::move(loop), std::move(config), std::move(stream));
  session->Start();
}

std::string FormatRemoteEndpoint(const LoopSocket& socket) {
  error_code ec;
  asio::ip::tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  if (endpoint.address().is_v6()) {
    return absl::StrCat("[", endpoint.address().to_string(),
                        "]:", endpoint.port());
  }
  return absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
}

void TcpByteStream::Close() {
  error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

std::string TcpByteStream::RemoteAddress() const {
  return FormatRemoteEndpoint(socket_);
}

}  // namespace protogate::http
