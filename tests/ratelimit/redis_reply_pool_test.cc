// RedisReplyPool through hiredis' own reader: the replies it builds read as
// hiredis' (integers, arrays inline and beyond kInlineElements, nested
// arrays, strings, errors, nil), and a freed node is used again.
#include "gateway/ratelimit/redis_reply_pool.h"

#include <hiredis/hiredis.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/base/thread_block_cache.h"
#include "gtest/gtest.h"

namespace protogate::ratelimit {
namespace {

// Reads one complete reply of `wire` with the pool's functions.
redisReply* ReadOne(redisReader* reader, const std::string& wire) {
  EXPECT_EQ(redisReaderFeed(reader, wire.data(), wire.size()), REDIS_OK);
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader, &reply), REDIS_OK);
  return static_cast<redisReply*>(reply);
}

TEST(RedisReplyPoolTest, BuildsRepliesAsHiredisDoes) {
  redisReader* reader =
      redisReaderCreateWithFunctions(RedisReplyPool::Functions());
  ASSERT_NE(reader, nullptr);
  redisReply* r =
      ReadOne(reader, "*5\r\n:7\r\n:-8\r\n$3\r\nabc\r\n$-1\r\n*1\r\n+OK\r\n");
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->elements, 5u);
  EXPECT_EQ(r->element[0]->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(r->element[0]->integer, 7);
  EXPECT_EQ(r->element[1]->integer, -8);
  EXPECT_EQ(r->element[2]->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(r->element[2]->str, r->element[2]->len), "abc");
  EXPECT_EQ(r->element[3]->type, REDIS_REPLY_NIL);
  ASSERT_EQ(r->element[4]->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(r->element[4]->elements, 1u);
  EXPECT_EQ(r->element[4]->element[0]->type, REDIS_REPLY_STATUS);
  EXPECT_STREQ(r->element[4]->element[0]->str, "OK");
  RedisReplyPool::Functions()->freeObject(r);

  // Freed nodes come back (LIFO): the next integer reuses the array's node
  // (not in the ASan build, which caches no block: base::kThreadBlockCaching).
  redisReply* i = ReadOne(reader, ":42\r\n");
  ASSERT_NE(i, nullptr);
  if (base::kThreadBlockCaching) {
    EXPECT_EQ(i, r);
  }
  EXPECT_EQ(i->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(i->integer, 42);
  EXPECT_EQ(i->element, nullptr);
  RedisReplyPool::Functions()->freeObject(i);

  redisReply* e = ReadOne(reader, "-NOSCRIPT No matching script\r\n");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->type, REDIS_REPLY_ERROR);
  EXPECT_STREQ(e->str, "NOSCRIPT No matching script");
  RedisReplyPool::Functions()->freeObject(e);
  redisReaderFree(reader);
}

TEST(RedisReplyPoolTest, ArraysBeyondTheInlineElements) {
  redisReader* reader =
      redisReaderCreateWithFunctions(RedisReplyPool::Functions());
  const size_t n = RedisReplyPool::kInlineElements * 3 + 1;
  std::string wire = absl::StrCat("*", n, "\r\n");
  for (size_t k = 0; k < n; ++k) absl::StrAppend(&wire, ":", k, "\r\n");
  redisReply* r = ReadOne(reader, wire);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->elements, n);
  for (size_t k = 0; k < n; ++k) {
    EXPECT_EQ(r->element[k]->integer, static_cast<long long>(k));
  }
  RedisReplyPool::Functions()->freeObject(r);
  // A reply cut short is freed with the reader.
  const std::string partial = "*3\r\n:1\r\n";
  ASSERT_EQ(redisReaderFeed(reader, partial.data(), partial.size()), REDIS_OK);
  void* none = nullptr;
  ASSERT_EQ(redisReaderGetReply(reader, &none), REDIS_OK);
  EXPECT_EQ(none, nullptr);
  redisReaderFree(reader);
}

}  // namespace
}  // namespace protogate::ratelimit
