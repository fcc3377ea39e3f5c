// IoLoop: one I/O thread's io_context plus the connections living on it.
// Private to protogate::http.
//
// Thread safety: `sessions`, `connections` and `draining` are touched only on
// the thread running `ioc`. `stopped` (behind `mu`) is read by any thread that
// wants to post onto `ioc`: once the server has joined its threads it sets
// `stopped`, and nothing is posted any more. Ownership: shared by the Server
// and every Session on it, so the io_context outlives every socket bound to it
// (a Responder may keep a Session alive after the Server is gone).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <unordered_set>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "gateway/base/io_thread.h"

namespace protogate::http {

class Connection;

// A socket bound to one loop's io_context, with its concrete executor type
// (not the type-erased any_io_executor, whose copies cost on every
// asynchronous operation).
using LoopSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp,
                                     boost::asio::io_context::executor_type>;

struct IoLoop {
  boost::asio::io_context ioc{1};

  // Loop thread only.
  std::unordered_set<Connection*> sessions;  // HTTP/1.1 and HTTP/2 alike.
  bool draining = false;
  // Armed while some connection may hold idle TLS record buffers
  // (tls_buffer_sweep.h).
  boost::asio::steady_timer tls_buffer_sweep{ioc};
  bool tls_buffer_sweep_armed = false;

  absl::Mutex mu;
  bool stopped ABSL_GUARDED_BY(mu) = false;
};

// Loop thread: once a draining loop has no connection left, lets go of
// its TLS buffer sweep and of what other libraries keep open on it
// (base/io_thread.h), so it can end.
inline void ReleaseLoopIfDrained(IoLoop& loop) {
  if (loop.draining && loop.sessions.empty()) {
    loop.tls_buffer_sweep.cancel();
    base::DrainIoThreadResidents();
  }
}

}  // namespace protogate::http
