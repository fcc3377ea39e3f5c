// TLS buffer sweep: gives the TLS record buffers of idle HTTP/1.1
// connections back. An HTTP/1.1-over-TLS Session keeps OpenSSL's read and
// write buffers (~34 KiB) while it is in use, instead of OpenSSL freeing and
// reallocating them around every record (SSL_MODE_RELEASE_BUFFERS, ~3k
// instructions per request). A connection that enters its idle wait arms
// its loop's sweep (one timer per loop, no system call when it is already
// armed); each sweep asks every connection of the loop to give its
// buffers back (Connection::SweepIdleBuffers): one that has waited for a
// request since the previous sweep frees OpenSSL's record buffers and its
// TlsByteStream's receive and send buffers (~55 KiB in all). So a
// connection idle for between `period` and twice `period` holds none; the
// sweep re-arms only while some connection still holds them. Private to
// protogate::http.
//
// Thread safety: the loop's thread only.
// Ownership: the timer is the loop's (IoLoop::tls_buffer_sweep); a drained
// loop cancels it (ReleaseLoopIfDrained).
//
// Example (session.cc, entering the idle wait over TLS):
//   ArmTlsBufferSweep(*loop_, config_->tls_idle_buffer_release);
#pragma once

#include "absl/time/time.h"
#include "gateway/http/io_loop.h"

namespace protogate::http {

// Starts the loop's sweep to run after `period`, unless it is armed or
// the loop drains.
void ArmTlsBufferSweep(IoLoop& loop, absl::Duration period);

}  // namespace protogate::http
