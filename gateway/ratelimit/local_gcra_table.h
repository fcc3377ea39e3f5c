// LocalGcraTable: the buckets of one local rate-limit policy, one GCRA
// timestamp (TAT, see gcra.h) per key, in a fixed-size table.
//
// Hot path: a key's slot is found by its 64-bit hash among the 8 slots of
// its group; the decision is a compare-and-swap loop on the slot's TAT, so
// concurrent I/O threads share one exact limit without a mutex.
//
// Memory is fixed at construction (16 bytes per slot, `max_keys` rounded
// up to a power of two). A key not in the table takes a free slot of its
// group, else one whose bucket is idle (TAT <= now: forgetting it changes
// nothing, a new bucket is full too), else the busy one closest to idle
// (counted in evictions(); that key starts over with a full bucket). So a
// flood of distinct keys cannot grow memory, and busy keys outlive
// one-off ones.
//
// Approximations, both only when two threads race on the same slot at
// once: two keys with the same 64-bit hash share a bucket; a key evicted
// while one of its requests is deciding may leave that request's update to
// the key that replaced it.
//
// Thread safety: Decide() is safe concurrently; lock-free.
// Ownership: the clock must outlive the table.
//
// Example:
//   LocalGcraTable table(GcraRate::Of(10, absl::Seconds(1), 10), 65536,
//                        clock);
//   GcraDecision d = table.Decide("client-1");
//   if (!d.allowed) ... 429, Retry-After: CeilSeconds(d.retry_after_ns)
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "gateway/ratelimit/clock.h"
#include "gateway/ratelimit/gcra.h"

namespace protogate::ratelimit {

class LocalGcraTable {
 public:
  // REQUIRES: max_keys >= 1.
  LocalGcraTable(const GcraRate& rate, uint32_t max_keys, const Clock& clock);

  // Counts one request of `key` and says whether it passes.
  GcraDecision Decide(std::string_view key);

  const GcraRate& rate() const { return rate_; }
  // Slots in the table (fixed).
  size_t capacity() const { return mask_ + 1; }
  // Slots holding a key whose bucket is not full (TAT > now).
  size_t BusyKeys() const;
  // Busy keys forgotten to make room.
  uint64_t evictions() const {
    return evictions_.load(std::memory_order_relaxed);
  }

 private:
  struct Slot {
    std::atomic<uint64_t> tag{0};  // The key's hash; 0: free.
    std::atomic<int64_t> tat{0};
  };
  static constexpr size_t kGroup = 8;

  Slot& FindOrClaim(uint64_t tag, int64_t now);
  Slot* Find(size_t group, uint64_t tag);
  GcraDecision Update(Slot& slot, int64_t now);

  const GcraRate rate_;
  const Clock& clock_;
  size_t mask_;
  std::unique_ptr<Slot[]> slots_;
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace protogate::ratelimit
