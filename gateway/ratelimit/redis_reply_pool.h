// RedisReplyPool: hiredis reply objects (redisReply) made from a per-thread
// free list instead of one malloc (and one free) per reply and per array.
//
// hiredis' reader builds replies through a table of functions
// (redisReplyObjectFunctions) and the async API frees each reply with that
// table's freeObject after its callback ran. Install() replaces a
// context's table with one whose objects are plain redisReply values (the
// callbacks read them as usual) taken from, and given back to, a free
// list of the calling thread; an array of up to kInlineElements elements
// keeps them in its own node. Strings and errors still allocate their text.
//
// Thread safety: the free lists are thread-local; a reply may be freed on
// another thread than the one that made it (it then joins that thread's
// list). Ownership: hiredis owns replies as usual; each thread keeps at
// most kMaxFreeNodes nodes and frees them when it exits.
//
// Example:
//   redisAsyncContext* ac = redisAsyncConnectUnix(path);
//   RedisReplyPool::Install(ac->c);
#pragma once

#include <hiredis/hiredis.h>

#include <cstddef>

namespace protogate::ratelimit {

class RedisReplyPool {
 public:
  static constexpr size_t kInlineElements = 16;
  static constexpr size_t kMaxFreeNodes = 1024;

  // Makes `context`'s reader build its replies from the pool. REQUIRES:
  // no reply is being read (call right after connecting).
  static void Install(redisContext& context);

  // The table Install() sets (for tests of the reader alone).
  static redisReplyObjectFunctions* Functions();
};

}  // namespace protogate::ratelimit
