// RedisReplyPool: hiredis reply objects (redisReply) made from a per-thread
// free list instead of one malloc (and one free) per reply and per array.
//
// hiredis' reader builds replies through a table of functions
// (redisReplyObjectFunctions); its user frees each reply with that table's
// freeObject. Functions() is a table whose objects are plain redisReply
// values taken from, and given back to, a free list of the calling
// thread; an array of up to kInlineElements elements keeps them in its
// own node. Strings and errors still allocate their text.
//
// Thread safety: the free lists are thread-local; a reply may be freed on
// another thread than the one that made it (it then joins that thread's
// list). Ownership: whoever gets a reply from the reader owns it; each
// thread keeps at most kMaxFreeNodes nodes and frees them when it exits.
//
// Example:
//   redisReader* reader =
//       redisReaderCreateWithFunctions(RedisReplyPool::Functions());
#pragma once

#include <hiredis/hiredis.h>

#include <cstddef>

namespace protogate::ratelimit {

class RedisReplyPool {
 public:
  static constexpr size_t kInlineElements = 16;
  static constexpr size_t kMaxFreeNodes = 1024;

  // The table for redisReaderCreateWithFunctions; free its replies with
  // its freeObject.
  static redisReplyObjectFunctions* Functions();
};

}  // namespace protogate::ratelimit
