// Session: one HTTP/1.1 connection. Reads a request (head first, so limits
// and framing checks run before any body byte is read), hands it to the
// handler with a Responder, writes the response, then reads the next request
// (which answers pipelined requests in order). Private to protogate::http.
// Runs over plain TCP (Beast/Asio on the socket) or TLS (TlsByteStream,
// as HTTP/2 over TLS does); over TLS every request carries the connection's
// verified client certificate subject.
//
// Timeouts: `idle_timeout` while waiting for the first byte of a request,
// `read_timeout` from that byte to the end of the body, and again for writing
// the response. A timeout closes the connection without an answer. They are
// kept by one coarse timer per connection (connection_deadline.h), not by a
// timer per read and write.
//
// Thread safety: everything except PostResponse() runs on the thread of the
// session's IoLoop. PostResponse() may be called from any thread.
// Ownership: shared_ptr. Pending I/O operations and an outstanding Responder
// keep it alive; the IoLoop's `sessions` set holds a raw pointer from Start()
// to Close().
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gateway/http/connection.h"
#include "gateway/http/connection_deadline.h"
#include "gateway/http/connection_stream.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/request.h"
#include "gateway/http/request_checks.h"
#include "gateway/http/request_reader.h"
#include "gateway/http/response.h"
#include "gateway/http/response_builder.h"
#include "gateway/http/response_stream.h"
#include "gateway/http/server.h"
#include "gateway/http/tls_byte_stream.h"

namespace protogate::http {

// What every session of a server shares. Immutable.
struct SessionConfig {
  RequestLimits limits;
  absl::Duration read_timeout;
  absl::Duration idle_timeout;
  absl::Duration tls_idle_buffer_release;
  std::string server_name;
  Handler handler;
  std::function<bool(std::string_view method, std::string_view target)>
      stream_body;
  ConnectionEvents events;
  Http2Options http2;
};

class Session : public Connection,
                public std::enable_shared_from_this<Session> {
 public:
  // `socket` must be bound to `loop->ioc`. Plain TCP.
  Session(std::shared_ptr<IoLoop> loop,
          std::shared_ptr<const SessionConfig> config, LoopSocket socket);
  // A connection whose TLS handshake is done (tls_handshake.h).
  Session(std::shared_ptr<IoLoop> loop,
          std::shared_ptr<const SessionConfig> config, ConnectionStream stream);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Loop thread. Registers with the loop and starts reading; closes at once
  // if the loop is already draining.
  void Start();
  // Loop thread. Closes the connection if it is between requests; otherwise
  // the current response carries `Connection: close` and the connection
  // closes after it.
  void BeginDrain() override;
  // Loop thread. Closes the socket now; pending operations are cancelled.
  // Idempotent.
  void Close() override;
  // Loop thread. Over TLS: frees the TLS buffers (OpenSSL's and the
  // stream's) if the session has waited for a request since the previous
  // sweep (tls_buffer_sweep.h).
  HeldBuffers SweepIdleBuffers() override;

  // Any thread. Posts `response` for the current request onto the session's
  // loop, unless the server has stopped (then it is dropped).
  static void PostResponse(std::shared_ptr<Session> self, Response response);
  // Any thread. The same for a streamed response (response_stream.h): its
  // head (and first piece), further pieces, and its end. A piece posted
  // after the server stopped reports `done(false)` on the calling thread.
  static void PostStreamHead(std::shared_ptr<Session> self, Response head);
  static void PostStreamWrite(std::shared_ptr<Session> self, std::string data,
                              WriteDone done);
  static void PostStreamEnd(std::shared_ptr<Session> self, StreamEnd end,
                            Trailers trailers);
  // Any thread. Reads the next piece of a request body dispatched before it
  // was read (body_stream.h).
  static void PostBodyRead(std::shared_ptr<Session> self, BodyReadDone done);

 private:
  // The connection's phase.
  enum class State {
    kIdle,         // Waiting for the first byte of a request.
    kReadingHead,  // Request line and header fields.
    kReadingBody,  // A body read whole before the handler runs.
    kHandling,     // The handler holds the Responder.
    kWriting,      // A whole response (or a rejection).
    kStreaming,    // A streamed response: head written, pieces follow.
    kLingering,    // Response sent with `Connection: close`; discarding input.
    kClosed,
  };
  // A request body the handler reads piece by piece (stream_body).
  enum class BodyPhase {
    kWhole,         // Read before dispatch, or no body: nothing to stream.
    kContinueOwed,  // Streamed; `Expect: 100-continue` not answered yet.
    kReadable,      // Streamed; no read pending.
    kReading,       // Streamed; one read pending (at most one at a time).
  };
  // How a streamed response ends, once its producer said so.
  enum class StreamEnding {
    kOpen,             // More pieces may come.
    kComplete,         // Finish(): the last chunk is still to be queued.
    kLastChunkQueued,  // The last chunk is in stream_bytes_ (or written).
    kAbort,            // Abort(): close after the queued pieces.
  };

  // Any thread: runs `fn(Session*)` on the session's loop, or `fn(nullptr)`
  // on the calling thread when the server has stopped.
  template <typename Fn>
  static void PostToLoop(std::shared_ptr<Session> self, Fn fn);

  void WaitForRequest();
  void OnIdleRead(const boost::beast::error_code& ec, size_t bytes);
  void BeginRequest();
  void ParseHead();
  void ReadMoreHead();
  void OnHeadRead(const boost::beast::error_code& ec, size_t bytes);
  void OnHead();
  // Asks config_->stream_body about the request's routed target.
  bool StreamsBody(const boost::beast::http::request_header<>& head) const;
  void ReadBody();
  void OnBodyRead(const boost::beast::error_code& ec, size_t bytes);
  // Sets framing_ from the request head and builds request_ with `body`.
  void BeginExchange(
      const boost::beast::http::request<boost::beast::http::string_body>& head,
      std::string body);
  void Dispatch();
  void DispatchStreamingBody();
  void CallHandler();
  void ReadBodyPiece(BodyReadDone done);
  void ContinueBodyPiece(BodyReadDone done);
  // `rejection`: the body is malformed or over a limit (ec is then empty).
  void OnBodyPiece(const boost::beast::error_code& ec,
                   const Rejection* rejection, BodyReadDone done);
  void ResumeAfterBodyRead();
  // Before the response completes: ends body streaming; false (and the
  // response waits) while a body read is still pending.
  bool EndBodyStreaming();
  // The connection disposition a response gets now (draining, HTTP/1.0
  // streaming and a request that asked for it all close).
  ConnectionDisposition ResponseDisposition(bool streamed) const;
  void WriteResponse(Response response);
  void Reject(const Rejection& rejection);
  void StartWrite(Response response, ConnectionDisposition connection);
  // Writes write_head_ and write_body_, then OnWrite().
  void WriteHeadAndBody();
  void OnWrite(const boost::beast::error_code& ec);
  void StartStream(Response head);
  void QueueStreamPiece(std::string data, WriteDone done);
  void EndStream(StreamEnd end, Trailers trailers);
  void FlushStream();
  void FinishStream();
  void OnStreamWrite(const boost::beast::error_code& ec);
  void FailStreamPieces();
  bool StreamWriteInFlight() const { return !stream_bytes_.empty(); }
  // How the last response ended: over TLS a complete one is followed by a
  // close_notify alert, an aborted one is not (so that a client reading
  // until close sees the truncation).
  enum class ResponseEnd { kComplete, kAborted };
  void LingeringClose(ResponseEnd end);
  void DiscardInput();
  // One read or one whole write, over tls_ or plain TCP.
  template <typename Done>
  void ReadSome(boost::asio::mutable_buffer buffer, Done done);
  template <typename Done>
  void WriteAll(boost::asio::const_buffer buffer, Done done);
  // After a response, before the connection closes: half-closes TCP and
  // discards input (DiscardInput).
  void HalfCloseAndDiscard();
  void SetTimeout(absl::Duration timeout) { deadline_.ExpireAfter(timeout); }
  // The deadline passed: closes the socket (as beast::basic_stream's own
  // timeouts do), so that the pending operation ends with an error.
  void OnDeadline();
  std::string_view Buffered() const;

  // Declared first: destroyed last, so the io_context outlives the socket.
  const std::shared_ptr<IoLoop> loop_;
  const std::shared_ptr<const SessionConfig> config_;
  // Plain TCP: the connection. Over TLS it lives in tls_, which runs the
  // SSL on its own BIO and the socket (tls_byte_stream.h), as HTTP/2 does.
  std::optional<ConnectionStream> tcp_stream_;
  std::unique_ptr<TlsByteStream> tls_;
  ConnectionStream& stream_;  // *tcp_stream_ or tls_->stream().
  ConnectionDeadline deadline_;
  boost::beast::flat_buffer buffer_;
  RequestReader reader_;
  std::optional<Request> request_;
  // The current request's answer: its connection disposition, whether it is
  // to a HEAD, and how a streamed body is framed (chunked, or until close
  // for HTTP/1.0). Set from the head at dispatch; `connection` becomes
  // kClose when the rest of the connection's input cannot be trusted.
  ResponseFraming framing_;
  // The response being written: its head and body.
  std::string write_head_;
  std::string write_body_;
  // Held while the handler owns the Responder, so that the loop does not run
  // out of work during a graceful drain.
  std::optional<
      boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      work_;
  // A streamed response: pieces waiting, `done`s of the pieces being
  // written, their framed bytes (non-empty exactly while a write is in
  // flight), and how it ends.
  struct StreamPiece {
    std::string data;
    WriteDone done;
  };
  std::deque<StreamPiece> stream_pending_;
  std::vector<WriteDone> stream_writing_;
  std::string stream_bytes_;
  StreamEnding stream_ending_ = StreamEnding::kOpen;
  Trailers stream_trailers_;  // Written with the last chunk.
  BodyPhase body_phase_ = BodyPhase::kWhole;
  // A response that waits for the pending body read to end.
  std::optional<Response> deferred_response_;
  std::string remote_address_;
  State state_ = State::kIdle;
  // Over TLS: OpenSSL's record buffers, as the sweep sees them.
  TlsBuffers tls_buffers_ = TlsBuffers::kReleased;
  size_t discarded_bytes_ = 0;
};

}  // namespace protogate::http
