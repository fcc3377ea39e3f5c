// RawH2Server: a tiny plaintext HTTP/2 (h2c, prior knowledge) server on
// 127.0.0.1:0 that answers every request stream with a fixed, possibly
// malformed, gRPC-looking response — what a broken backend or a proxy in
// front of one may send, and what no gRPC server library can be made to
// send. Used to pin down how gRPC reports such responses.
//
// Protocol subset: reads the client preface and frames; sends an empty
// SETTINGS, acknowledges the client's SETTINGS and PINGs, ignores other
// frames; answers each new request HEADERS frame (at once or after a
// delay) with a HEADERS frame (HPACK literal fields without indexing, no
// Huffman), optionally one DATA frame holding a gRPC-framed message, and
// optionally a trailers HEADERS frame. The last frame sent carries
// END_STREAM. Optional faults: no PING ACKs, RST_STREAM, a refusing
// GOAWAY, closing the connection.
//
// Thread safety: all methods may be called from any thread.
// Ownership: owns a listener thread and one thread per connection; the
// destructor closes every socket and joins them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace protogate::testing {

struct RawH2Response {
  // Response header fields after :status (e.g. content-type).
  int http_status = 200;
  std::vector<std::pair<std::string, std::string>> headers = {
      {"content-type", "application/grpc"}};
  // Whether a DATA frame with `message` (gRPC length-prefixed) is sent.
  bool send_message = true;
  std::string message;
  // Trailer fields; empty: no trailers frame (END_STREAM goes on the DATA
  // frame, or on the HEADERS frame when no message is sent).
  std::vector<std::pair<std::string, std::string>> trailers;
  // Instead of answering, close the connection when a request arrives (a
  // backend that dies mid-call).
  bool close_on_request = false;
  // Send GOAWAY (NO_ERROR, last stream = the request's) before answering
  // each request, and ignore later streams on that connection: a backend
  // that answers one call per connection, as one draining does.
  bool goaway_before_response = false;

  // Whether PINGs are acknowledged; false: a backend (or a path to it) that
  // stopped answering, which only a keepalive can notice.
  bool ack_pings = true;
  // How long after its request a stream is answered; PINGs are still
  // handled meanwhile. absl::InfiniteDuration(): never answered.
  absl::Duration response_delay = absl::ZeroDuration();

  // SETTINGS_MAX_CONCURRENT_STREAMS in the server's SETTINGS; unset: none
  // (unlimited).
  std::optional<uint32_t> max_concurrent_streams;

  // Faults, applied on the first `faulty_connections` connections (every
  // connection when negative); later connections answer normally.
  int faulty_connections = -1;
  // Instead of answering, reset each request stream with RST_STREAM and
  // this HTTP/2 error code.
  std::optional<uint32_t> rst_stream_code;
  // After answering this many requests on a connection, answer the next one
  // with GOAWAY (NO_ERROR) naming the last answered stream (0 when none) as
  // the last one processed, i.e. refuse it, and ignore later streams.
  std::optional<int> refuse_with_goaway_after;
  // Send the response HEADERS frame (without END_STREAM), then close the
  // connection: a backend that dies after starting to answer.
  bool close_after_headers = false;
  // Set: instead of `message`, one message whose frame header declares this
  // many bytes, sent as the flow-control windows the client grants allow
  // (16 KiB DATA frames), until all is sent or the client resets the
  // stream; no trailers. A backend answering a huge message.
  std::optional<uint32_t> huge_message_bytes;
};

class RawH2Server {
 public:
  static absl::StatusOr<std::unique_ptr<RawH2Server>> Start(
      RawH2Response response);
  ~RawH2Server();
  RawH2Server(const RawH2Server&) = delete;
  RawH2Server& operator=(const RawH2Server&) = delete;

  std::string address() const;                       // "127.0.0.1:PORT"
  int requests() const { return requests_.load(); }  // Streams answered.
  int connections() const { return connections_accepted_.load(); }
  int pings() const { return pings_.load(); }  // PINGs received (not ACKs).
  // huge_message_bytes: the message bytes (frame header included) sent so
  // far, and the RST_STREAMs received.
  int64_t huge_bytes_sent() const { return huge_bytes_sent_.load(); }
  int resets() const { return resets_.load(); }
  // Connections the client closed (the server read EOF).
  int connections_closed_by_peer() const { return peer_closed_.load(); }

 private:
  explicit RawH2Server(RawH2Response response)
      : response_(std::move(response)) {}
  void AcceptLoop();
  void Serve(int fd, int connection);
  std::string ResponseFrames(uint32_t stream_id) const;
  struct FlowState;
  struct Connection;
  enum class RequestOutcome { kReply, kSkip, kEnd };
  // Answers what is due on `c` by now; false on a failed write.
  bool SendDue(Connection& c, absl::Time now);
  // A new request stream: fills `reply`, or ends (kEnd) or skips (kSkip)
  // the connection's frame handling.
  RequestOutcome OnRequest(Connection& c, uint32_t stream, std::string& reply);
  // huge_message_bytes: sends what the windows allow; false on a failed
  // write.
  bool SendHugeMessage(int fd, FlowState& flow);
  void OnFlowFrame(uint8_t type, uint32_t stream, const std::string& payload,
                   FlowState& flow);

  const RawH2Response response_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_accepted_{0};
  std::atomic<int> peer_closed_{0};
  std::atomic<int> pings_{0};
  std::atomic<int64_t> huge_bytes_sent_{0};
  std::atomic<int> resets_{0};
  std::thread acceptor_;
  absl::Mutex mu_;
  std::vector<int> fds_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::testing
