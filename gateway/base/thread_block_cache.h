// ThreadBlockCache<Tag>, ThreadBlockAllocator<T>: freed memory blocks of one
// size kept per thread for the next allocation of that size, for objects made
// and freed once per request that are too large for malloc's own per-thread
// cache (or made often enough that its cost shows).
//
// Each Tag has its own lists of blocks of one size: REQUIRES every
// Allocate() of a Tag passes the same size. A block freed on another thread
// joins that thread's list. At most kMaxBlocks are kept per thread (memory
// held at most kMaxBlocks * size per thread); the rest go back to operator
// delete, as do a thread's blocks when it exits and any block freed after
// its thread's list is gone.
//
// Thread safety: every method works on the calling thread's list only.
//
// Example:
//   struct Big {
//     static void* operator new(size_t n) {
//       return ThreadBlockCache<Big>::Allocate(n);
//     }
//     static void operator delete(void* p) {
//       ThreadBlockCache<Big>::Free(p);
//     }
//   };
//   auto p = std::allocate_shared<Big>(ThreadBlockAllocator<Big>());
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace protogate::base {

// False in the ASan build: every block goes back to operator delete there,
// so that a use after free stays a finding.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kThreadBlockCaching = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kThreadBlockCaching = false;
#else
inline constexpr bool kThreadBlockCaching = true;
#endif
#else
inline constexpr bool kThreadBlockCaching = true;
#endif

template <typename Tag, size_t kMaxBlocks = 1024>
class ThreadBlockCache {
 public:
  // A block of `size` bytes (the same size on every call for a Tag).
  static void* Allocate(size_t size) {
    if (kThreadBlockCaching && !gone_) {
      std::vector<void*>& blocks = List().blocks;
      if (!blocks.empty()) {
        void* block = blocks.back();
        blocks.pop_back();
        return block;
      }
    }
    return ::operator new(size);
  }

  // Takes back a block of Allocate().
  static void Free(void* block) {
    if (kThreadBlockCaching && !gone_) {
      std::vector<void*>& blocks = List().blocks;
      if (blocks.size() < kMaxBlocks) {
        blocks.push_back(block);
        return;
      }
    }
    ::operator delete(block);
  }

 private:
  struct Blocks {
    std::vector<void*> blocks;
    ~Blocks() {
      gone_ = true;
      for (void* block : blocks) ::operator delete(block);
    }
  };
  static Blocks& List() {
    thread_local Blocks list;
    return list;
  }
  // Set when the thread's list is destroyed (trivially destructible, so
  // readable until the thread ends).
  static inline thread_local bool gone_ = false;
};

// A std allocator over ThreadBlockCache (for std::allocate_shared): single
// objects come from the cache of their type, arrays from operator new.
template <typename T>
struct ThreadBlockAllocator {
  using value_type = T;
  ThreadBlockAllocator() = default;
  template <typename U>
  ThreadBlockAllocator(const ThreadBlockAllocator<U>&) {}  // NOLINT: rebind.
  T* allocate(size_t n) {
    if (n != 1) return static_cast<T*>(::operator new(n * sizeof(T)));
    return static_cast<T*>(ThreadBlockCache<T>::Allocate(sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n != 1) {
      ::operator delete(p);
      return;
    }
    ThreadBlockCache<T>::Free(p);
  }
  template <typename U>
  bool operator==(const ThreadBlockAllocator<U>&) const {
    return true;
  }
};

}  // namespace protogate::base
