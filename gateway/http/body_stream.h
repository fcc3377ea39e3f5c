// BodyStream: the body of a request that was handed to the handler before
// its body was read (ServerOptions::stream_body), read piece by piece as the
// handler is ready for more. The client's sending is held back by TCP flow
// control meanwhile, so a large upload never sits in the gateway's memory.
//
// Thread safety: Read() may be called from any thread, one read at a time;
// `done` runs on the connection's thread.
// Ownership: shared by the Request and the handler; keeps the connection
// alive while a read is pending.
#pragma once

#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"

namespace protogate::http {

struct BodyPiece {
  std::string data;   // Decoded body bytes (chunked framing removed).
  bool last = false;  // No more bytes follow.
};

// A piece (possibly empty), or an error: InvalidArgument for a malformed
// body (bad chunk framing, a chunk line over its limit), ResourceExhausted
// over the body limit or the trailer limit (both
// naming the problem; the response closes the connection),
// DeadlineExceeded when the client sent nothing for the read timeout,
// Unavailable when the connection failed, Cancelled when the response was
// already sent or the server is stopping.
using BodyReadDone = absl::AnyInvocable<void(absl::StatusOr<BodyPiece>) &&>;

class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Reads the next piece. REQUIRES: no read pending, and the previous
  // piece was not `last`.
  virtual void Read(BodyReadDone done) = 0;
};

}  // namespace protogate::http
