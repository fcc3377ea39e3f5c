// ThreadBlockCache: a freed block is handed out again on its thread, each
// thread has its own list, the list is bounded, and the allocator serves
// std::allocate_shared.
#include "gateway/base/thread_block_cache.h"

#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace protogate::base {
namespace {

struct Reused {};
struct PerThread {};
struct Bounded {};

TEST(ThreadBlockCacheTest, AFreedBlockComesBackOnItsThread) {
  if (!kThreadBlockCaching) GTEST_SKIP() << "the ASan build caches nothing";
  using Cache = ThreadBlockCache<Reused>;
  void* a = Cache::Allocate(64);
  void* b = Cache::Allocate(64);
  EXPECT_NE(a, b);
  Cache::Free(a);
  EXPECT_EQ(Cache::Allocate(64), a);
  Cache::Free(b);
  Cache::Free(a);
}

TEST(ThreadBlockCacheTest, ThreadsKeepTheirOwnBlocks) {
  if (!kThreadBlockCaching) GTEST_SKIP() << "the ASan build caches nothing";
  using Cache = ThreadBlockCache<PerThread>;
  void* mine = Cache::Allocate(32);
  Cache::Free(mine);
  void* theirs = nullptr;
  std::thread([&] {
    theirs = Cache::Allocate(32);
    // Freed on this thread: kept here, then released when it exits.
    Cache::Free(theirs);
  }).join();
  EXPECT_NE(theirs, mine);
  EXPECT_EQ(Cache::Allocate(32), mine);
  Cache::Free(mine);
}

TEST(ThreadBlockCacheTest, KeepsAtMostItsBound) {
  if (!kThreadBlockCaching) GTEST_SKIP() << "the ASan build caches nothing";
  using Cache = ThreadBlockCache<Bounded, 2>;
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i) blocks.push_back(Cache::Allocate(16));
  for (void* block : blocks) Cache::Free(block);
  // The first two freed are kept (handed out last in, first out); the
  // third went back to operator delete.
  void* x = Cache::Allocate(16);
  void* y = Cache::Allocate(16);
  EXPECT_EQ(x, blocks[1]);
  EXPECT_EQ(y, blocks[0]);
  Cache::Free(x);
  Cache::Free(y);
}

TEST(ThreadBlockCacheTest, AllocateSharedReusesTheControlBlock) {
  if (!kThreadBlockCaching) GTEST_SKIP() << "the ASan build caches nothing";
  struct Object {
    int value[40];
  };
  const void* first = nullptr;
  {
    auto p = std::allocate_shared<Object>(ThreadBlockAllocator<Object>());
    p->value[0] = 7;
    first = p.get();
  }
  auto q = std::allocate_shared<Object>(ThreadBlockAllocator<Object>());
  EXPECT_EQ(q.get(), first);
}

}  // namespace
}  // namespace protogate::base
