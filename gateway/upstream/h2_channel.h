// H2Channel: a Channel to one endpoint (h2c, or HTTP/2 over TLS with ALPN
// "h2", see h2_tls.h) that runs each call, unary or streaming
// (h2_stream.h), on the event loop of the thread that starts it, over an
// HTTP/2 connection that loop owns (h2_session.h). A
// request that arrives on an HTTP I/O thread (base/io_thread.h) is sent,
// answered and completed on that same thread: no hand-off to other threads,
// no wake-ups between threads. Calls from any other thread run on one
// shared fallback loop.
//
// Per loop, one connection, opened on the first call and reopened on the
// next call after it closes or receives GOAWAY. A failed connection attempt
// fails the calls waiting for it with UNAVAILABLE, and calls on that loop
// fail at once with the same error until a backoff has passed (1 s, times
// 1.6 after each failure, capped at max_reconnect_backoff), as gRPC does for
// a fail-fast call on a channel in TRANSIENT_FAILURE; when the backoff is
// over, the loop tries to connect again by itself.
//
// Thread safety: Call() and Stream() may be called concurrently from any
// thread; failing() too.
// Ownership: the loops' clients are shared with their pending operations;
// the destructor asks each loop to close its connection, and calls still
// running then end with UNAVAILABLE (so a call may outlive the channel).
//
// Example:
//   H2Channel channel({.endpoint = *ParseTarget("dns:///books:50051")});
//   channel.Call({.method = "/pkg.Svc/Get", .payload = bytes},
//                [](CallResult result) { ... });
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/call_once.h"
#include "absl/time/time.h"
#include "gateway/base/io_thread.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/h2_session.h"
#include "gateway/upstream/upstreams.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace protogate::upstream {

struct H2Endpoint {
  std::string host;  // A name or an IP literal (without brackets).
  uint16_t port = 0;
  std::string authority;  // "host:port" as given, or "localhost".
  std::string unix_path;  // Set: a Unix domain socket (host, port unused).
};

// "host:port" or "[v6]:port"; nullopt for anything else (a scheme target).
std::optional<H2Endpoint> ParseH2Endpoint(const std::string& address);
// A cluster endpoint: what ParseH2Endpoint takes, "dns:///host:port" (the
// name is resolved by the system resolver on each connection attempt, whose
// addresses are tried in order until one connects), or "unix:///path" /
// "unix:/path"; nullopt for anything else.
std::optional<H2Endpoint> ParseTarget(const std::string& target);

struct H2ChannelOptions {
  H2Endpoint endpoint;
  absl::Duration default_timeout = kDefaultCallTimeout;
  int64_t max_send_message_bytes = kDefaultMaxMessageBytes;
  int64_t max_receive_message_bytes = kDefaultMaxMessageBytes;
  absl::Duration connect_timeout = kDefaultConnectTimeout;
  absl::Duration max_reconnect_backoff = kDefaultMaxReconnectBackoff;
  absl::Duration keepalive_time = kDefaultKeepaliveTime;
  absl::Duration keepalive_timeout = kDefaultKeepaliveTimeout;
  bool keepalive_permit_without_calls = false;
  // Set: TLS (h2_tls.h's MakeTlsContext), the certificate checked for
  // `tls_name` (the cluster's server_name, else the endpoint's host).
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::string tls_name;
};

class H2Channel final : public Channel {
 public:
  explicit H2Channel(H2ChannelOptions options);
  ~H2Channel() override;
  H2Channel(const H2Channel&) = delete;
  H2Channel& operator=(const H2Channel&) = delete;

  // See Channel::Call. Rejections (bad method or metadata, payload over
  // the send limit, an already cancelled canceller) complete inline.
  void Call(CallRequest request, CallCallback done) override;
  // See Channel::Stream. Rejections (bad method or metadata, a message over
  // the send limit, a past deadline) complete inline; an incremental
  // Write() over the send limit ends the call with RESOURCE_EXHAUSTED.
  std::shared_ptr<StreamCall> Stream(
      StreamRequest request, std::shared_ptr<StreamObserver> observer) override;

  // Whether some loop's last connection attempt failed: the endpoint is as
  // good as down until a loop connects again (each failing loop retries on
  // its own after its backoff, without waiting for a call).
  bool failing() const { return failing_loops_->load() > 0; }

  class LoopClient;

 private:
  static constexpr int kMaxLoops = 64;
  struct Slot {
    boost::asio::io_context* ioc = nullptr;
    std::shared_ptr<void> owner;
    std::shared_ptr<LoopClient> client;
  };

  // On the loop's own thread.
  static void CallOnLoop(const base::IoThread& loop, LoopClient& client,
                         CallRequest request, CallCallback done);
  static void StartOnLoop(LoopClient& client, std::shared_ptr<H2Call> call,
                          absl::Time deadline);
  LoopClient& ClientFor(const base::IoThread& loop);
  // The client on the shared fallback loop, made on first use.
  std::shared_ptr<LoopClient> FallbackClient();

  const std::shared_ptr<const H2ChannelOptions> options_;
  const std::shared_ptr<std::atomic<int>> failing_loops_;
  // slots_[id] is touched only by the thread registered with that id.
  std::array<Slot, kMaxLoops> slots_;
  absl::once_flag fallback_once_;
  std::shared_ptr<LoopClient> fallback_client_;
};

}  // namespace protogate::upstream
