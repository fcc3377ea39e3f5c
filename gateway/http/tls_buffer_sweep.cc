#include "gateway/http/tls_buffer_sweep.h"

#include <boost/system/error_code.hpp>

#include "gateway/http/connection.h"

namespace protogate::http {

void ArmTlsBufferSweep(IoLoop& loop, absl::Duration period) {
  if (loop.tls_buffer_sweep_armed || loop.draining) return;
  loop.tls_buffer_sweep_armed = true;
  loop.tls_buffer_sweep.expires_after(absl::ToChronoNanoseconds(period));
  loop.tls_buffer_sweep.async_wait([&loop, period](
                                       const boost::system::error_code& ec) {
    loop.tls_buffer_sweep_armed = false;
    if (ec) return;  // Cancelled: the loop drained.
    bool held = false;
    for (Connection* connection : loop.sessions) {
      held |= connection->SweepIdleBuffers() == Connection::HeldBuffers::kHeld;
    }
    if (held) ArmTlsBufferSweep(loop, period);
  });
}

Connection::HeldBuffers SweepIdleTlsBuffers(
    TlsByteStream& tls, Connection::TlsBuffers& state,
    const std::function<void()>& released) {
  using TlsBuffers = Connection::TlsBuffers;
  if (state == TlsBuffers::kReleased) return Connection::HeldBuffers::kNone;
  if (state == TlsBuffers::kUsed) {
    state = TlsBuffers::kIdleOneSweep;
    return Connection::HeldBuffers::kHeld;
  }
  // False while a partial record is buffered: the next sweep tries again.
  if (!tls.ReleaseIdleBuffers()) return Connection::HeldBuffers::kHeld;
  state = TlsBuffers::kReleased;
  if (released) released();
  return Connection::HeldBuffers::kNone;
}

}  // namespace protogate::http
