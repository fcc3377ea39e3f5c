// RedisAsioAdapter: drives a hiredis asynchronous context from a
// boost::asio io_context, like hiredis' own adapters do for libevent or
// libuv: hiredis says when it wants to read or write its socket (the
// ev.addRead/delRead/addWrite/delWrite hooks), the adapter waits for the
// socket to be ready on the io_context and calls redisAsyncHandleRead /
// redisAsyncHandleWrite. Writes are first tried directly from a posted
// handler (so the commands of one loop iteration go out in one write), and
// wait for the socket only when it is full or still connecting. The owner
// may add commands in that same handler, just before the write
// (FlushSoon): no second hop through the loop. hiredis owns
// and closes the socket; the adapter only watches it, and lets go in the
// ev.cleanup hook (when hiredis frees the context).
//
// Thread safety: everything runs on the thread running the io_context.
// Ownership: the adapter keeps itself alive until hiredis calls cleanup and
// no wait is pending; the io_context must outlive it.
//
// Example (on the io_context's thread):
//   redisAsyncContext* ac = redisAsyncConnect("127.0.0.1", 6379);
//   if (ac->err == 0) {
//     RedisAsioAdapter* a = RedisAsioAdapter::Attach(ioc, ac, [&] { ... });
//     a->FlushSoon();  // The hook queues commands, then they are written.
//   }
#pragma once

#include <hiredis/async.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>

#include "absl/functional/any_invocable.h"

namespace protogate::ratelimit {

class RedisAsioAdapter : public std::enable_shared_from_this<RedisAsioAdapter> {
 public:
  // Installs the hooks on `ac`; `before_flush` (may be empty) runs at the
  // start of every flush handler while the context lives. REQUIRES:
  // ac->err == 0 and no adapter yet. The adapter is valid while `ac` is
  // (hiredis frees it through the cleanup hook).
  static RedisAsioAdapter* Attach(boost::asio::io_context& ioc,
                                  redisAsyncContext* ac,
                                  absl::AnyInvocable<void()> before_flush = {});

  RedisAsioAdapter(boost::asio::io_context& ioc, redisAsyncContext* ac,
                   absl::AnyInvocable<void()> before_flush);

  // Posts the flush handler unless one is posted: `before_flush` runs, then
  // hiredis writes what it has.
  void FlushSoon();

 private:
  enum class Direction { kRead, kWrite };
  struct Watch {
    bool wanted = false;   // hiredis asked for it.
    bool pending = false;  // A wait is outstanding.
  };

  static void AddRead(void* self);
  static void DelRead(void* self);
  static void AddWrite(void* self);
  static void DelWrite(void* self);
  static void Cleanup(void* self);

  Watch& watch(Direction d) { return d == Direction::kRead ? read_ : write_; }
  void Arm(Direction d);

  // The io_context's own executor, not the type-erased any_io_executor:
  // the waits and posts of every batch skip its indirections.
  boost::asio::posix::basic_stream_descriptor<
      boost::asio::io_context::executor_type>
      socket_;
  redisAsyncContext* context_;  // Null once hiredis cleaned up.
  Watch read_;
  Watch write_;
  absl::AnyInvocable<void()> before_flush_;
  bool flush_posted_ = false;               // A direct write is posted.
  bool flushing_ = false;                   // In before_flush_.
  std::shared_ptr<RedisAsioAdapter> self_;  // hiredis' reference.
};

}  // namespace protogate::ratelimit
