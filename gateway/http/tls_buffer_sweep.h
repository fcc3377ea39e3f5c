// TLS buffer sweep: gives the TLS record buffers of idle connections back.
// A connection over TLS (an HTTP/1.1 Session, an HTTP/2 H2ServerSession)
// keeps OpenSSL's read and write buffers (~34 KiB) while it is in use,
// instead of OpenSSL freeing and reallocating them around every record
// (SSL_MODE_RELEASE_BUFFERS, ~3k instructions per request). A connection
// that moves bytes (HTTP/1.1: enters its idle wait; HTTP/2: reads or
// writes) arms its loop's sweep (one timer per loop, no system call when it
// is already armed); each sweep asks every connection of the loop to give
// its buffers back (Connection::SweepIdleBuffers): one that has been idle
// (HTTP/1.1: waiting for a request; HTTP/2: no open stream, nothing being
// written) since the previous sweep frees OpenSSL's record buffers and its
// TlsByteStream's receive and send buffers (~55 KiB in all). So a
// connection idle for between `period` and twice `period` holds none; the
// sweep re-arms only while some connection still holds them (a busy
// HTTP/2 connection counts as holding them: its work can end without a
// read or write that would arm the sweep). Private to protogate::http.
//
// Thread safety: the loop's thread only.
// Ownership: the timer is the loop's (IoLoop::tls_buffer_sweep); a drained
// loop cancels it (ReleaseLoopIfDrained).
//
// Example (session.cc, entering the idle wait over TLS):
//   ArmTlsBufferSweep(*loop_, config_->tls_idle_buffer_release);
#pragma once

#include <functional>

#include "absl/time/time.h"
#include "gateway/http/connection.h"
#include "gateway/http/io_loop.h"
#include "gateway/http/tls_byte_stream.h"

namespace protogate::http {

// Starts the loop's sweep to run after `period`, unless it is armed or
// the loop drains.
void ArmTlsBufferSweep(IoLoop& loop, absl::Duration period);

// One sweep of a connection that is idle now, whose buffers are in
// `state`: used since the last sweep, they are marked kIdleOneSweep and
// kept; idle for a whole period, `tls` frees them (kReleased) and
// `released` (may be empty) runs. kHeld while they are still held (a
// partial record is buffered, or they were just marked).
Connection::HeldBuffers SweepIdleTlsBuffers(
    TlsByteStream& tls, Connection::TlsBuffers& state,
    const std::function<void()>& released);

}  // namespace protogate::http
