// H2Call: one gRPC call on protogate's HTTP/2 client, from Call() or
// Stream() until it has ended, as the connection (h2_session.h) and the
// per-loop client (h2_channel.h) see it. A unary call holds its one request
// message and its callback; a streaming call also holds an H2StreamState:
// the request messages still to send, the response bytes not yet read, and
// its observer. Internal to protogate::upstream.
//
// Flow control of a streaming call: received DATA is acknowledged to the
// backend (nghttp2_session_consume, hence WINDOW_UPDATE) only as the
// observer reads it (StreamCall::ReadNext), so a slow reader holds the
// backend back by at most one stream window; request messages are handed
// to nghttp2 only as the backend's window allows, and a Write()'s done
// callback runs when its message was handed over.
//
// Thread safety: every field is touched only on the thread of the loop the
// call runs on.
// Ownership: shared by the connection (while on a stream), the loop's
// client (while waiting for one), its deadline timer (a stream's own; for a
// unary call the loop's CallDeadlines, which links it without owning it)
// and canceller (weakly) and, for a stream, the caller's StreamCall handle.
//
// Example (a unary call, as H2Channel makes it):
//   auto call = std::make_shared<H2Call>(ioc);
//   call->path = "/pkg.Svc/Get";
//   call->payload = std::move(bytes);
//   call->done = std::move(callback);
//   session->Submit(call);  // FinishCall runs `done` once.
#pragma once

#include <array>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/upstream/channel.h"
#include "gateway/upstream/grpc_wire.h"

namespace protogate::upstream {

class CallDeadlines;
class H2Session;

using H2Timer = boost::asio::basic_waitable_timer<
    std::chrono::steady_clock,
    boost::asio::wait_traits<std::chrono::steady_clock>,
    boost::asio::io_context::executor_type>;

// Where a call is, as the transport sees it.
enum class H2CallPhase {
  kWaiting,  // For a connection (session null).
  kOpen,     // On a stream of `session`.
  kJudged,   // Its result is queued; it only waits to finish.
  kEnded,    // Its result was delivered (a stream may still drain).
};

// The request side of a streaming call.
enum class H2WritePhase {
  kOpen,     // Write() may add messages.
  kClosing,  // WritesDone() came: END_STREAM after the queued messages.
  kClosed,   // END_STREAM was handed to nghttp2.
};

// The response side of a streaming call, as its observer sees it.
enum class H2ReadPhase {
  kRequested,  // The observer waits for a message (or OnDone).
  kIdle,       // A message was delivered; no ReadNext() yet.
  kDone,       // OnDone has run.
};

struct H2StreamState {
  std::shared_ptr<StreamObserver> observer;  // Until OnDone.
  // Request messages not yet fully handed to nghttp2, unframed; `sent`
  // bytes of the front one's frame (5-byte header + payload) are.
  std::deque<std::string> outgoing;
  size_t sent = 0;
  H2WritePhase write_phase = H2WritePhase::kOpen;
  int64_t max_send_message_bytes = 0;  // For incremental writes.
  StreamWriteDone write_done;          // Of the queued incremental Write().
  bool write_handed = false;           // `write_done` is due (with true).
  bool deferred = false;               // nghttp2 waits for resume_data.
  bool sent_any = false;               // Some request byte went to nghttp2.
  // The messages were all given up front (not write_incrementally): those
  // handed to nghttp2 are kept in `handed`, to send again on a new stream
  // after the backend refused this one unprocessed.
  bool replayable = false;
  std::vector<std::string> handed;
  // Response DATA bytes received, from `read_pos` on not yet parsed;
  // `acked` of them were already consumed (acknowledged) for flow control.
  std::string inbox;
  size_t read_pos = 0;
  size_t acked = 0;
  H2ReadPhase read_phase = H2ReadPhase::kRequested;
  bool headers_sent = false;  // The initial metadata went with a message.
  // The end of the call, once the transport knows it. With `drain`, the
  // messages still in `inbox` are delivered before it.
  std::optional<CallResult> final;
  bool drain = false;

  // For a new attempt: nothing sent yet; a replayable stream's messages
  // queued again.
  void Rewind() {
    deferred = false;
    sent = 0;
    sent_any = false;
    if (!replayable) return;
    for (auto it = handed.rbegin(); it != handed.rend(); ++it) {
      outgoing.push_front(std::move(*it));
    }
    handed.clear();
    write_phase = H2WritePhase::kClosing;
  }
};

struct H2Call : std::enable_shared_from_this<H2Call> {
  explicit H2Call(boost::asio::io_context& ioc) : timer(ioc) {}
  ~H2Call();  // Leaves `deadlines` (call_deadlines.cc).
  H2Call(const H2Call&) = delete;
  H2Call& operator=(const H2Call&) = delete;

  // The request.
  std::string path;                 // "/pkg.Service/Method"
  std::array<uint8_t, 5> prefix{};  // Unary: gRPC message frame header.
  std::string payload;              // Unary: the request message.
  size_t sent = 0;                  // Unary: bytes of prefix+payload sent.
  std::string timeout;  // grpc-timeout value, set by Submit() from deadline.
  Metadata metadata;    // "-bin" values already base64.
  Traceparent traceparent;    // Sent after the metadata unless empty.
  std::string_view endpoint;  // CallResult::endpoint (the channel's target).
  int64_t max_receive_message_bytes = 0;
  CallCallback done;  // Unary.
  // When the call ends with DEADLINE_EXCEEDED: a unary call by its loop's
  // CallDeadlines (linked while it runs), a stream by `timer`.
  std::chrono::steady_clock::time_point deadline;
  CallDeadlines* deadlines = nullptr;
  H2Call* deadline_prev = nullptr;
  H2Call* deadline_next = nullptr;
  H2Timer timer;                          // Streams: expires at the deadline.
  std::unique_ptr<H2StreamState> stream;  // Set for a streaming call.

  H2CallPhase phase = H2CallPhase::kWaiting;
  H2Session* session = nullptr;  // kOpen: the connection carrying it.
  int32_t stream_id = 0;
  bool length_checked = false;  // Unary: the response's frame header read.
  bool retried = false;         // Already sent again after a refusal.
  GrpcResponseParts response;

  bool ended() const { return phase == H2CallPhase::kEnded; }
  // Whether its outcome is settled (judged or ended).
  bool settled() const {
    return phase == H2CallPhase::kJudged || phase == H2CallPhase::kEnded;
  }
  // Back to "waiting for a connection", for one more attempt.
  void NewAttempt() {
    sent = 0;
    phase = H2CallPhase::kWaiting;
    session = nullptr;
    stream_id = 0;
    length_checked = false;
    response = GrpcResponseParts();
    if (stream != nullptr) stream->Rewind();
  }
};

// Ends `call` with `result` unless it has ended: stops its timer, runs
// `done` (unary) or settles the stream (FinishStream). The session forgets
// the call when its stream closes.
void FinishCall(H2Call& call, CallResult result);
void FinishCall(H2Call& call, absl::Status status);

}  // namespace protogate::upstream
