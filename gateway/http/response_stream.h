// ResponseStream: a response whose body is written piece by piece, for
// example one message of a gRPC server stream at a time. On HTTP/1.1 the
// body uses chunked transfer encoding, so a client can tell a complete body
// (it ends with the last chunk) from one cut short by Abort(); HTTP/1.0
// clients get the raw body and `Connection: close`, and cannot tell the two
// apart.
//
// Trailers: Finish(trailers) ends the body with trailer fields. HTTP/1.1
// writes them in the chunked body's trailer section, HTTP/2 as a final
// HEADERS frame; HTTP/1.0 (no chunked framing) drops them.
//
// Backpressure: each Write() reports when its bytes were handed to the
// socket. A writer that waits for that before producing more holds at most
// one piece in memory however slowly the client reads; a client that reads
// nothing for the server's read timeout is disconnected.
//
// Thread safety: Write(), Finish() and Abort() may be called from any
// thread, but not concurrently on one stream; they take effect in call
// order on the connection's own thread, where the `done` callbacks run.
// Ownership: move-only; keeps the connection alive until Finish(), Abort()
// or destruction (which aborts).
#pragma once

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "gateway/http/response.h"

namespace protogate::http {

// Runs once per Write(): `true` when the piece was written to the socket,
// `false` when the connection failed or closed first (nothing more will be
// written; later writes also report false).
using WriteDone = absl::AnyInvocable<void(bool written) &&>;

enum class StreamEnd {
  kComplete,  // The last chunk: the body is complete.
  kAbort,     // Close without the last chunk: the body is incomplete.
};

class ResponseStream {
 public:
  // Implemented by the connection.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void Write(std::string data, WriteDone done) = 0;
    // `trailers` is empty unless `end` is kComplete.
    virtual void End(StreamEnd end, Trailers trailers) = 0;
  };

  explicit ResponseStream(std::unique_ptr<Sink> sink)
      : sink_(std::move(sink)) {}
  ResponseStream(ResponseStream&&) = default;
  ResponseStream& operator=(ResponseStream&&) = default;
  ~ResponseStream();

  // Queues `data` (skipped if empty, `done` still runs). REQUIRES: before
  // Finish() and Abort().
  void Write(std::string data, WriteDone done);
  // Ends the body normally; the connection can serve the next request.
  void Finish();
  // The same, with trailer fields after the body (names are tokens, values
  // hold no CR, LF or NUL; others are dropped, as are Content-Length,
  // Transfer-Encoding, Connection, Server and Date).
  void Finish(Trailers trailers);
  // Ends the response abnormally, after the pieces already queued: the
  // connection is closed without the last chunk.
  void Abort();

 private:
  std::unique_ptr<Sink> sink_;
};

}  // namespace protogate::http
