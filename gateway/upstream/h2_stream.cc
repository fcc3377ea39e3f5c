#include "gateway/upstream/h2_stream.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/upstream/h2_session.h"

namespace protogate::upstream {
namespace {

namespace asio = boost::asio;

constexpr size_t kPrefixBytes = 5;
// Parsed bytes kept at the front of the inbox before it is compacted.
constexpr size_t kCompactBytes = 64 * 1024;

// Acknowledges the first `n` unparsed inbox bytes (some may already be).
void Ack(H2Call& call, size_t n) {
  H2StreamState& s = *call.stream;
  const size_t fresh = n > s.acked ? n - s.acked : 0;
  s.acked = s.acked > n ? s.acked - n : 0;
  if (fresh > 0 && call.session != nullptr) {
    call.session->Consume(call.stream_id, fresh);
  }
}

// Runs the observer's OnDone with the final result.
void Done(H2Call& call) {
  H2StreamState& s = *call.stream;
  call.timer.cancel();
  s.read_phase = H2ReadPhase::kDone;
  s.inbox.clear();
  s.read_pos = 0;
  s.acked = 0;
  std::shared_ptr<StreamObserver> observer = std::move(s.observer);
  CallResult result = std::move(*s.final);
  s.final.reset();
  observer->OnDone(std::move(result));
}

CallResult MalformedResult(absl::string_view what) {
  CallResult result;
  result.status =
      absl::InternalError(absl::StrCat("malformed upstream response: ", what));
  result.malformed_response = true;
  return result;
}

// Refuses the message whose frame header is at the read position.
void Refuse(H2Call& call, CallResult result) {
  H2StreamState& s = *call.stream;
  if (call.session != nullptr && !call.ended()) {
    call.session->Cancel(call, std::move(result));  // Resets the stream.
    return;
  }
  s.final = std::move(result);  // Draining what the backend ended.
  s.drain = false;
  Done(call);
}

// Delivers the next message if it is complete; otherwise acknowledges the
// part that arrived (the observer waits for it) and returns false.
bool DeliverNext(H2Call& call) {
  H2StreamState& s = *call.stream;
  const size_t avail = s.inbox.size() - s.read_pos;
  if (avail >= kPrefixBytes) {
    const absl::string_view frame(s.inbox.data() + s.read_pos, avail);
    const uint64_t length = MessageFrameLength(frame);
    if (frame[0] != 0) {
      Refuse(call,
             MalformedResult(frame[0] == 1 ? "compressed message (none was "
                                             "accepted)"
                                           : "bad message frame flags"));
      return false;
    }
    if (length > static_cast<uint64_t>(call.max_receive_message_bytes)) {
      Refuse(call, OverReceiveLimit(length, call.max_receive_message_bytes));
      return false;
    }
    if (avail - kPrefixBytes >= length) {
      StreamMessage message;
      message.payload.assign(frame.data() + kPrefixBytes, length);
      Ack(call, kPrefixBytes + length);
      s.read_pos += kPrefixBytes + length;
      if (s.read_pos == s.inbox.size()) {
        s.inbox.clear();
        s.read_pos = 0;
      } else if (s.read_pos >= kCompactBytes) {
        s.inbox.erase(0, s.read_pos);
        s.read_pos = 0;
      }
      if (!s.headers_sent) {
        s.headers_sent = true;
        message.headers = call.response.headers;
      }
      s.read_phase = H2ReadPhase::kIdle;
      s.observer->OnMessage(std::move(message));
      return true;
    }
  }
  Ack(call, avail);
  if (s.final.has_value()) {  // Nothing more comes.
    if (avail > 0 && s.final->status.ok()) {
      s.final = MalformedResult("truncated message");
    }
    Done(call);
  }
  return false;
}

// Ends a call still running: resets its stream if it has one.
void EndCall(H2Call& call, absl::Status status) {
  if (call.session != nullptr) {
    call.session->Cancel(call, std::move(status));
  } else {
    FinishCall(call, std::move(status));
  }
}

// The handle: posts each method to the call's loop.
class H2StreamHandle final : public StreamCall {
 public:
  H2StreamHandle(std::shared_ptr<H2Call> call, asio::io_context& ioc,
                 std::shared_ptr<void> owner)
      : call_(std::move(call)), ioc_(ioc), owner_(std::move(owner)) {}

  void ReadNext() override {
    Post([](H2Call& call) {
      H2StreamState& s = *call.stream;
      if (s.read_phase != H2ReadPhase::kIdle) return;
      s.read_phase = H2ReadPhase::kRequested;
      PumpStream(call);
    });
  }

  void Cancel() override {
    Post([](H2Call& call) {
      H2StreamState& s = *call.stream;
      if (s.read_phase == H2ReadPhase::kDone) return;
      if (!call.ended()) {
        EndCall(call, absl::CancelledError("call cancelled"));
        return;
      }
      s.drain = false;  // Ended by the backend: its result stands.
      Done(call);
    });
  }

  void Write(std::string message, StreamWriteDone done) override {
    Post([message = std::move(message),
          done = std::move(done)](H2Call& call) mutable {
      H2StreamState& s = *call.stream;
      if (s.write_phase != H2WritePhase::kOpen || s.write_done != nullptr ||
          call.ended()) {
        std::move(done)(false);
        return;
      }
      if (static_cast<int64_t>(message.size()) > s.max_send_message_bytes) {
        std::move(done)(false);
        EndCall(call, absl::ResourceExhaustedError(absl::StrCat(
                          "request message of ", message.size(),
                          " bytes exceeds the upstream send limit of ",
                          s.max_send_message_bytes, " bytes")));
        return;
      }
      s.outgoing.push_back(std::move(message));
      s.write_done = std::move(done);
      Resume(call);
    });
  }

  void WritesDone() override {
    Post([](H2Call& call) {
      H2StreamState& s = *call.stream;
      if (s.write_phase != H2WritePhase::kOpen) return;
      s.write_phase = H2WritePhase::kClosing;
      Resume(call);
    });
  }

 private:
  template <typename F>
  void Post(F f) {
    asio::post(ioc_, [call = call_, f = std::move(f)]() mutable { f(*call); });
  }

  static void Resume(H2Call& call) {
    H2StreamState& s = *call.stream;
    if (call.session == nullptr || !s.deferred) return;
    s.deferred = false;
    call.session->ResumeData(call.stream_id);
  }

  const std::shared_ptr<H2Call> call_;
  asio::io_context& ioc_;
  const std::shared_ptr<void> owner_;
};

}  // namespace

std::shared_ptr<StreamCall> MakeStreamHandle(std::shared_ptr<H2Call> call,
                                             asio::io_context& ioc,
                                             std::shared_ptr<void> owner) {
  return std::make_shared<H2StreamHandle>(std::move(call), ioc,
                                          std::move(owner));
}

int64_t ReadStreamBody(H2Call& call, uint8_t* buf, size_t length,
                       uint32_t* flags) {
  H2StreamState& s = *call.stream;
  size_t n = 0;
  while (n < length && !s.outgoing.empty()) {
    const std::string& message = s.outgoing.front();
    if (s.sent < kPrefixBytes) {
      const uint32_t size = static_cast<uint32_t>(message.size());
      const uint8_t prefix[kPrefixBytes] = {
          0, static_cast<uint8_t>(size >> 24), static_cast<uint8_t>(size >> 16),
          static_cast<uint8_t>(size >> 8), static_cast<uint8_t>(size)};
      const size_t k = std::min(length - n, kPrefixBytes - s.sent);
      std::memcpy(buf + n, prefix + s.sent, k);
      n += k;
      s.sent += k;
    }
    const size_t offset = s.sent - kPrefixBytes;
    const size_t k = std::min(length - n, message.size() - offset);
    std::memcpy(buf + n, message.data() + offset, k);
    n += k;
    s.sent += k;
    if (s.sent == kPrefixBytes + message.size()) {
      if (s.replayable) s.handed.push_back(std::move(s.outgoing.front()));
      s.outgoing.pop_front();
      s.sent = 0;
      if (s.write_done != nullptr) s.write_handed = true;
    }
  }
  s.sent_any |= n > 0;
  if (s.outgoing.empty() && s.write_phase == H2WritePhase::kClosing) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    s.write_phase = H2WritePhase::kClosed;
  } else if (n == 0) {
    s.deferred = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<int64_t>(n);
}

void FinishStream(H2Call& call, CallResult result) {
  H2StreamState& s = *call.stream;
  s.write_phase = H2WritePhase::kClosed;
  s.outgoing.clear();
  if (s.write_done != nullptr) {
    const bool written = s.write_handed;
    s.write_handed = false;
    StreamWriteDone done = std::move(s.write_done);
    s.write_done = nullptr;
    std::move(done)(written);
  }
  if (s.read_phase == H2ReadPhase::kDone) return;
  if (result.headers.empty()) {  // Ended by us: what the backend had sent.
    result.headers = call.response.headers;
  }
  s.final = std::move(result);
  s.drain = call.response.end_stream;
  if (!s.drain) {
    Done(call);
    return;
  }
  PumpStream(call);
}

void AbandonDrain(H2Call& call, absl::Status status) {
  H2StreamState& s = *call.stream;
  if (s.read_phase == H2ReadPhase::kDone) return;
  s.final = CallResult{.status = std::move(status)};
  s.drain = false;
  Done(call);
}

void PumpStream(H2Call& call) {
  H2StreamState& s = *call.stream;
  if (s.write_handed) {
    s.write_handed = false;
    StreamWriteDone done = std::move(s.write_done);
    s.write_done = nullptr;
    std::move(done)(true);
  }
  while (s.read_phase == H2ReadPhase::kRequested && DeliverNext(call)) {
  }
}

}  // namespace protogate::upstream
