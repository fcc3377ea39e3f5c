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

}  // namespace protogate::http
