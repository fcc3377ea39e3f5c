// H2ServerSession: one HTTP/2 server connection (h2c by prior knowledge, or
// h2 over TLS through a ByteStream). HTTP/2 framing, HPACK and flow control
// are libnghttp2's; this class moves bytes between nghttp2 and the stream,
// turns each client stream into the same Request + Responder the HTTP/1.1
// Session hands to the handler (streamed bodies through BodyStream, streamed
// responses through ResponseStream, trailers as a final HEADERS frame), and
// applies the server's limits. Private to protogate::http.
//
// Limits (ServerOptions and Http2Options): SETTINGS_MAX_CONCURRENT_STREAMS,
// initial stream and connection windows (request bodies are acknowledged
// only as the handler takes them), a header list over max_header_list_bytes
// or over max_header_count fields -> 431, a body over max_body_bytes -> 413
// (or ResourceExhausted from the BodyStream once dispatched). Timeouts: a
// request not complete within read_timeout is reset; a body read waiting
// longer fails DeadlineExceeded; a response that cannot send for
// read_timeout (zero window) is reset; a socket write stuck that long, or a
// connection without streams for idle_timeout, closes the connection. Over
// TLS, a connection without streams gives its record buffers back to the
// loop's sweep (tls_buffer_sweep.h).
// Attacks: rapid reset (a token bucket of client RST_STREAMs -> GOAWAY
// ENHANCE_YOUR_CALM), CONTINUATION floods (nghttp2's max continuations),
// SETTINGS and PING floods (nghttp2's max outbound ACKs and max settings;
// no frames are pulled from nghttp2 while a socket write is pending, so its
// queue is what fills).
//
// Thread safety: everything runs on the loop thread except the static
// Post* functions, which may be called from any thread.
// Ownership: shared_ptr; pending I/O, the watchdog timer and outstanding
// Responders keep it alive. The loop's `sessions` set holds a raw pointer
// from Start() to Close().
//
// Example (connection_dispatch.cc):
//   auto session = std::make_shared<H2ServerSession>(loop, config,
//       std::make_unique<TcpByteStream>(std::move(socket)));
//   session->Start();
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "gateway/http/byte_stream.h"
#include "gateway/http/connection.h"
#include "gateway/http/h2_server_stream.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/session.h"

struct nghttp2_session;

namespace protogate::http {

class TlsByteStream;

class H2ServerSession : public Connection,
                        public std::enable_shared_from_this<H2ServerSession> {
 public:
  H2ServerSession(std::shared_ptr<IoLoop> loop,
                  std::shared_ptr<const SessionConfig> config,
                  std::unique_ptr<ByteStream> stream);
  ~H2ServerSession() override;
  H2ServerSession(const H2ServerSession&) = delete;
  H2ServerSession& operator=(const H2ServerSession&) = delete;

  // Loop thread. Registers with the loop, queues the server SETTINGS and
  // starts reading (the client preface first). Closes at once if the loop
  // is draining or nghttp2 cannot start.
  void Start();
  // Loop thread. Sends GOAWAY (NO_ERROR, the last stream taken); streams in
  // flight finish, then the connection closes.
  void BeginDrain() override;
  // Loop thread. Closes now: open streams' pieces report false, pending
  // body reads fail Unavailable. Idempotent.
  void Close() override;
  // Loop thread. Over TLS, with no open stream and nothing being written:
  // frees the record buffers (and the frame buffer) of a connection idle
  // since the previous sweep; busy: kHeld, so that the sweep looks again.
  HeldBuffers SweepIdleBuffers() override;

  // Any thread: the handler side of one stream, run on the loop (dropped,
  // or `done(false)` / Cancelled, once the server has stopped).
  using Self = std::shared_ptr<H2ServerSession>;
  using StreamRef = std::shared_ptr<H2Stream>;
  static void PostResponse(Self self, StreamRef stream, Response response);
  static void PostStreamHead(Self self, StreamRef stream, Response head);
  static void PostStreamWrite(Self self, StreamRef stream, std::string data,
                              WriteDone done);
  static void PostStreamEnd(Self self, StreamRef stream, StreamEnd end,
                            Trailers trailers);
  static void PostBodyRead(Self self, StreamRef stream, BodyReadDone done);

 private:
  struct Callbacks;  // nghttp2's callbacks (h2_server_callbacks.cc).
  enum class Phase {
    kOpen,
    kDraining,  // GOAWAY sent; closes when the last stream ends.
    kClosing,   // Closes once the queued frames are written.
    kClosed,
  };
  using Timer = boost::asio::basic_waitable_timer<
      std::chrono::steady_clock,
      boost::asio::wait_traits<std::chrono::steady_clock>,
      boost::asio::io_context::executor_type>;

  // What a posted handler call does with the frames it queued.
  enum class AfterPost {
    kFlush,          // Writes them now (the response is complete).
    kScheduleFlush,  // Writes them after the calls already posted (the
                     // rest of a streamed response usually follows).
  };
  template <typename Fn>
  static void PostToLoop(Self self, AfterPost after, Fn fn);
  // Posts one Flush() behind the calls posted so far (at most one pending).
  void ScheduleFlush();

  bool InitNghttp2();
  void Read();
  void OnRead(const boost::system::error_code& ec, size_t bytes);
  // Pulls frames from nghttp2 and writes them (one write at a time).
  void Flush();
  void OnWrite(const boost::system::error_code& ec);
  // Runs the callbacks deferred out of nghttp2's callbacks.
  void RunDeferred();
  void CloseIfDone();
  void ArmWatchdog();
  void OnWatchdog();
  // Over TLS: bytes moved, so the buffers are in use; arms the sweep.
  void NoteTlsTraffic();

  // Request side (h2_server_request.cc).
  void OnRequestHead(const StreamRef& stream);
  void OnRequestBody(const StreamRef& stream, const uint8_t* data, size_t n);
  void OnRequestEnd(const StreamRef& stream);
  void Dispatch(const StreamRef& stream);
  void Reject(const StreamRef& stream, int status, std::string_view message);
  void ReadBody(const StreamRef& stream, BodyReadDone done);
  void DeliverBody(const StreamRef& stream);
  void OnStreamClosed(int32_t stream_id);
  // Raises the stream's ClientCancellation if the handler has its request
  // and has not ended the response (a client reset, the connection gone).
  void CancelIfUnfinished(const StreamRef& stream);
  bool TakeResetToken();
  size_t MaxHeaderListBytesOf() const;

  // Response side (h2_server_response.cc).
  void SubmitResponse(const StreamRef& stream, Response response);
  void StartStream(const StreamRef& stream, Response head);
  void QueuePiece(const StreamRef& stream, std::string data, WriteDone done);
  void EndStream(const StreamRef& stream, StreamEnd end, Trailers trailers);
  // Submits the HEADERS (with content-length if given) and, `with_body`,
  // the stream's pieces as DATA. False if nghttp2 refused.
  bool SubmitHead(const StreamRef& stream, const Response& head, bool with_body,
                  std::optional<size_t> content_length);
  void ResetStream(const StreamRef& stream, uint32_t error_code);
  void FailPieces(H2Stream& stream);

  // Declared first: destroyed last, so the io_context outlives the socket.
  const std::shared_ptr<IoLoop> loop_;
  const std::shared_ptr<const SessionConfig> config_;
  std::unique_ptr<ByteStream> stream_;
  TlsByteStream* const tls_;  // stream_, when it is TLS; else null.
  TlsBuffers tls_buffers_ = TlsBuffers::kReleased;
  const std::string remote_address_;
  const std::shared_ptr<const std::string> peer_subject_;
  nghttp2_session* session_ = nullptr;
  Phase phase_ = Phase::kOpen;
  std::map<int32_t, StreamRef> streams_;
  // Frames being written, and the `done`s of the pieces in them.
  std::string out_;
  std::vector<WriteDone> writing_dones_;
  std::vector<WriteDone> copied_dones_;  // Pieces nghttp2 took this turn.
  bool writing_ = false;
  bool flush_scheduled_ = false;
  std::chrono::steady_clock::time_point write_started_;
  std::vector<uint8_t> in_;   // Read buffer (small or large, see Read()).
  bool read_filled_ = false;  // The last read filled in_.
  std::vector<absl::AnyInvocable<void()>> deferred_;
  Timer watchdog_;
  absl::Time last_active_;
  // Rapid reset token bucket.
  double reset_tokens_ = 0;
  absl::Time reset_refilled_;
};

}  // namespace protogate::http
