// H2Session: one HTTP/2 connection (h2c or TLS) to a gRPC backend, driven by
// the event loop it was made on, carrying gRPC calls, unary and streaming
// (h2_call.h, h2_stream.h). The
// HTTP/2 framing, HPACK and flow control are libnghttp2's; this class
// moves bytes between nghttp2 and the socket (plaintext, or TLS by OpenSSL
// through asio) and turns each stream into a CallResult (grpc_wire.h). Internal
// to protogate::upstream.
//
// Writes are batched: Submit() only queues, and one posted flush sends
// everything queued during the current turn of the loop in one write.
// Completion callbacks run on the loop thread, never from inside nghttp2.
// Header values that change with every call (grpc-timeout, x-request-id,
// traceparent, tracestate) are sent "never indexed": they stay out of the
// HPACK dynamic table.
//
// Thread safety: every method must be called on the thread running the
// session's io_context.
// Ownership: shared; pending asynchronous operations keep it alive, so it
// lives until its socket is closed. Its calls are shared with their
// deadline timers and cancellers (weak references).
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/grpc_wire.h"
#include "gateway/upstream/h2_call.h"

struct nghttp2_session;

namespace protogate::upstream {

class H2Session;

// The socket type bound to one loop, with its concrete executor (copies of
// the type-erased any_io_executor cost on every operation).
// Generic: TCP or a Unix domain socket.
using H2Socket =
    boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol,
                                     boost::asio::io_context::executor_type>;
// TLS over such a socket (OpenSSL, through asio).
using H2TlsStream = boost::asio::ssl::stream<H2Socket>;

struct H2SessionOptions {
  std::string authority;  // :authority of every request ("host:port").
  absl::Duration keepalive_time = absl::Minutes(5);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  bool keepalive_permit_without_calls = false;
  // Takes a call the backend did not process (RST_STREAM REFUSED_STREAM
  // before any response, a stream above a GOAWAY's last stream id, or
  // HEADERS the connection could no longer send) for its one transparent
  // retry, as gRPC's clients retry such calls. Unset: they fail UNAVAILABLE.
  std::function<void(std::shared_ptr<H2Call>)> resubmit;
  // Set: raised while the connection is open (from a successful Start until
  // it closes), for the per-cluster connection gauge.
  std::shared_ptr<std::atomic<int>> open_connections;
};

// The connection's lifecycle.
enum class H2SessionPhase {
  kOpen,     // Takes new calls.
  kGoaway,   // The backend sent GOAWAY (or a stream could not start).
  kRetired,  // Takes no more calls; closes when its streams are done.
  kClosed,
};

class H2Session : public std::enable_shared_from_this<H2Session> {
 public:
  // Starts HTTP/2 on a connected socket, or on a TLS stream whose handshake
  // is done: queues the preface and SETTINGS and starts reading. INTERNAL if
  // nghttp2 cannot allocate a session.
  static absl::StatusOr<std::shared_ptr<H2Session>> Start(
      H2Socket socket, H2SessionOptions options);
  static absl::StatusOr<std::shared_ptr<H2Session>> Start(
      std::unique_ptr<H2TlsStream> tls, H2SessionOptions options);
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Whether new calls may go on this connection: open, no GOAWAY received,
  // stream ids left.
  bool accepting() const;
  // Opens a stream for `call` and queues its HEADERS (grpc-timeout: what is
  // left until its timer expires) and DATA. REQUIRES: accepting(), `call`
  // not finished.
  void Submit(std::shared_ptr<H2Call> call);
  // Resets the call's stream and finishes it with `status` / `result`.
  void Cancel(H2Call& call, absl::Status status);
  void Cancel(H2Call& call, CallResult result);
  // A streaming call's reader took `n` more response bytes of `stream_id`:
  // acknowledges them (WINDOW_UPDATE when due).
  void Consume(int32_t stream_id, size_t n);
  // A streaming call has request bytes (or its end) to send again.
  void ResumeData(int32_t stream_id);
  // Closes the connection; calls still open finish with UNAVAILABLE.
  void Close();
  // Whether the backend closed the connection for too many pings (GOAWAY
  // ENHANCE_YOUR_CALM "too_many_pings"): later connections should ping less.
  bool too_many_pings() const { return too_many_pings_; }
  // Takes no more calls and closes the connection once its open streams
  // are done (at once if none is open).
  void Retire();
  bool closed() const { return phase_ == H2SessionPhase::kClosed; }

 private:
  struct Callbacks;
  H2Session(std::optional<H2Socket> plain, std::unique_ptr<H2TlsStream> tls,
            H2SessionOptions options);
  absl::Status Begin();
  H2Socket& socket() { return tls_ != nullptr ? tls_->next_layer() : *plain_; }

  void ScheduleFlush();
  void Flush();
  void Read();
  void Fail(absl::Status status);
  // Lowers options_.open_connections once, if Begin raised it.
  void Uncount();
  // Finishes completed_ and resubmits refused_ (outside nghttp2).
  void RunCompletions();
  // Whether `call`, refused unprocessed, gets its transparent retry.
  bool Retries(const H2Call& call) const;
  void StartKeepalive();
  void OnKeepaliveTimer();

  std::optional<H2Socket> plain_;     // Plaintext (h2c), or
  std::unique_ptr<H2TlsStream> tls_;  // TLS.
  const H2SessionOptions options_;
  nghttp2_session* session_ = nullptr;
  H2SessionPhase phase_ = H2SessionPhase::kOpen;
  bool writing_ = false;
  bool flush_posted_ = false;
  std::string out_;                // Being written.
  std::unique_ptr<uint8_t[]> in_;  // Read buffer.
  absl::flat_hash_map<int32_t, std::shared_ptr<H2Call>> streams_;
  // Calls ended inside nghttp2 callbacks, finished once it returns.
  std::vector<std::pair<std::shared_ptr<H2Call>, CallResult>> completed_;
  // Calls refused unprocessed inside nghttp2 callbacks, resubmitted once it
  // returns.
  std::vector<std::shared_ptr<H2Call>> refused_;
  // Streaming calls with something due (h2_stream.h's PumpStream), and
  // response bytes of closed streams not yet acknowledged.
  std::vector<std::shared_ptr<H2Call>> pumps_;
  size_t released_bytes_ = 0;
  H2Timer keepalive_;
  bool ping_outstanding_ = false;
  int pings_without_data_ = 0;
  bool too_many_pings_ = false;
  bool counted_ = false;  // In options_.open_connections.
  // The per-call headers (grpc-timeout, x-request-id, traceparent,
  // tracestate) whose name is in the HPACK dynamic table (h2_session.cc).
  uint8_t per_call_named_ = 0;
};

}  // namespace protogate::upstream
