// H2Session: one HTTP/2 (h2c) connection to a gRPC backend, driven by the
// event loop it was made on, carrying unary gRPC calls (H2Call). The
// HTTP/2 framing, HPACK and flow control are libnghttp2's; this class
// moves bytes between nghttp2 and the socket and turns each stream into a
// CallResult (grpc_wire.h). Internal to protogate::upstream.
//
// Writes are batched: Submit() only queues, and one posted flush sends
// everything queued during the current turn of the loop in one write.
// Completion callbacks run on the loop thread, never from inside nghttp2.
//
// Thread safety: every method must be called on the thread running the
// session's io_context.
// Ownership: shared; pending asynchronous operations keep it alive, so it
// lives until its socket is closed. Its calls are shared with their
// deadline timers and cancellers (weak references).
#pragma once

#include <array>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/grpc_wire.h"

struct nghttp2_session;

namespace protogate::upstream {

class H2Session;

// The socket and timer types bound to one loop, with its concrete executor
// (copies of the type-erased any_io_executor cost on every operation).
using H2Socket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                     boost::asio::io_context::executor_type>;
using H2Timer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock,
    boost::asio::wait_traits<std::chrono::steady_clock>,
    boost::asio::io_context::executor_type>;

// One unary call, from Call() until its callback ran.
struct H2Call {
  explicit H2Call(boost::asio::io_context& ioc) : timer(ioc) {}

  // The request.
  std::string path;                 // "/pkg.Service/Method"
  std::array<uint8_t, 5> prefix{};  // gRPC message frame header.
  std::string payload;
  size_t sent = 0;      // Bytes of prefix+payload sent.
  std::string timeout;  // grpc-timeout value, set by Submit() from `timer`.
  Metadata metadata;    // "-bin" values already base64.
  int64_t max_receive_message_bytes = 0;
  CallCallback done;
  H2Timer timer;  // Expires at the deadline.

  // Where it is: waiting for a connection (session null) or on a stream.
  H2Session* session = nullptr;
  int32_t stream_id = 0;
  bool finished = false;        // `done` has been taken.
  bool result_queued = false;   // Judged early; only waits to finish.
  bool length_checked = false;  // The response's frame header was read.
  bool retried = false;         // Already sent again after a refusal.
  GrpcResponseParts response;

  // Back to "waiting for a connection", for one more attempt.
  void NewAttempt() {
    sent = 0;
    session = nullptr;
    stream_id = 0;
    length_checked = false;
    response = GrpcResponseParts();
  }
};

// Ends `call` with `result` unless it has ended: stops its timer, runs
// `done`. The session forgets the call when its stream closes.
void FinishCall(H2Call& call, CallResult result);
void FinishCall(H2Call& call, absl::Status status);

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
};

class H2Session : public std::enable_shared_from_this<H2Session> {
 public:
  // Starts HTTP/2 on a connected socket: queues the preface and SETTINGS
  // and starts reading. INTERNAL if nghttp2 cannot allocate a session.
  static absl::StatusOr<std::shared_ptr<H2Session>> Start(
      H2Socket socket, H2SessionOptions options);
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
  // Resets the call's stream and finishes it with `status`.
  void Cancel(H2Call& call, absl::Status status);
  // Closes the connection; calls still open finish with UNAVAILABLE.
  void Close();
  // Whether the backend closed the connection for too many pings (GOAWAY
  // ENHANCE_YOUR_CALM "too_many_pings"): later connections should ping less.
  bool too_many_pings() const { return too_many_pings_; }
  // Takes no more calls and closes the connection once its open streams
  // are done (at once if none is open).
  void Retire();

 private:
  struct Callbacks;
  H2Session(H2Socket socket, H2SessionOptions options);

  void ScheduleFlush();
  void Flush();
  void Read();
  void Fail(absl::Status status);
  // Finishes completed_ and resubmits refused_ (outside nghttp2).
  void RunCompletions();
  // Whether `call`, refused unprocessed, gets its transparent retry.
  bool Retries(const H2Call& call) const;
  void StartKeepalive();
  void OnKeepaliveTimer();

  H2Socket socket_;
  const H2SessionOptions options_;
  nghttp2_session* session_ = nullptr;
  bool closed_ = false;
  bool goaway_ = false;
  bool retired_ = false;
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
  H2Timer keepalive_;
  bool ping_outstanding_ = false;
  int pings_without_data_ = 0;
  bool too_many_pings_ = false;
};

}  // namespace protogate::upstream
