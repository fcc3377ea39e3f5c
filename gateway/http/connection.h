// Connection: what an IoLoop knows of each connection living on it (an
// HTTP/1.1 Session, an HTTP/2 H2ServerSession, or one whose protocol is not
// known yet), so that a drain or a forced close reaches all of them.
// Private to protogate::http.
//
// Thread safety: every method runs on the connection's loop thread only.
// Ownership: the loop's `sessions` set holds raw pointers; each connection
// erases itself when it closes or is destroyed.
#pragma once

namespace protogate::http {

class Connection {
 public:
  virtual ~Connection() = default;
  // Graceful: stop taking new requests, finish the ones in flight, then
  // close.
  virtual void BeginDrain() = 0;
  // Closes now; pending operations are cancelled. Idempotent.
  virtual void Close() = 0;

  // What a connection's TLS record buffers are after a sweep
  // (tls_buffer_sweep.h).
  enum class HeldBuffers {
    kNone,  // None held, or in use: nothing for the sweep to do.
    kHeld,  // Held: the next sweep looks again.
  };
  // Gives idle TLS record buffers back, if the connection has been idle
  // since the previous sweep.
  virtual HeldBuffers SweepIdleBuffers() { return HeldBuffers::kNone; }

  // Where a TLS connection's record buffers stand between sweeps.
  enum class TlsBuffers {
    kReleased,      // Freed, or plain TCP.
    kUsed,          // Bytes went through since the last sweep.
    kIdleOneSweep,  // The last sweep found the connection idle.
  };
};

}  // namespace protogate::http
