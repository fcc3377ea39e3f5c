// IoThread: which event loop the calling thread runs, so that a library that
// does its own I/O (upstream's HTTP/2 client) can keep a request on the
// thread that is already serving it instead of handing it to another one.
//
// An event loop thread registers itself for as long as it runs its loop
// (ScopedIoThread); any code on that thread can then ask CurrentIoThread().
// Each registered thread gets a small id, unique among the threads
// registered at the same time and reused after a thread unregisters, so a
// user can keep per-loop state in a small array indexed by it.
//
// A loop ends when it has no work left, so whatever keeps work pending on a
// loop for its own sake (an idle upstream connection, a keep-alive timer)
// registers as a resident of the loop; when the loop's owner winds the loop
// down (its last client connection is gone), it tells the residents to let
// go (DrainIoThreadResidents).
//
// Thread safety: CurrentIoThread() reads a thread-local; ScopedIoThread is
// constructed and destroyed on the registering thread; the residents
// functions act on the calling thread's own list.
// Ownership: `owner` keeps the io_context alive for whoever copies it (so
// that sockets bound to the loop can outlive the code that made them).
#pragma once

#include <memory>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace protogate::base {

struct IoThread {
  boost::asio::io_context* ioc = nullptr;  // Null: not an event loop thread.
  std::shared_ptr<void> owner;             // Keeps `*ioc` alive; may be null
                                           // for a loop that is never freed.
  int id = -1;                             // 0, 1, ...; -1 when ioc is null.
};

// The calling thread's registration, or an IoThread with a null ioc.
const IoThread& CurrentIoThread();

// Registers the calling thread as running `ioc` until destroyed.
// REQUIRES: the thread is not registered already.
class ScopedIoThread {
 public:
  ScopedIoThread(boost::asio::io_context* ioc, std::shared_ptr<void> owner);
  ~ScopedIoThread();
  ScopedIoThread(const ScopedIoThread&) = delete;
  ScopedIoThread& operator=(const ScopedIoThread&) = delete;
};

// See above. Loop thread only.
class IoThreadResident {
 public:
  virtual ~IoThreadResident() = default;
  // Close connections and cancel timers; stay closed from now on.
  virtual void OnLoopDrain() = 0;
};

// Adds `resident` (held weakly) to the calling thread's residents.
void AddIoThreadResident(std::weak_ptr<IoThreadResident> resident);

// Calls OnLoopDrain() of every live resident of the calling thread, once,
// and forgets them all.
void DrainIoThreadResidents();

}  // namespace protogate::base
