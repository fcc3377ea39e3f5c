#include "gateway/ratelimit/local_gcra_table.h"

#include <algorithm>
#include <limits>

#include "absl/hash/hash.h"
#include "absl/numeric/bits.h"
#include "gateway/base/strings.h"

namespace protogate::ratelimit {

LocalGcraTable::LocalGcraTable(const GcraRate& rate, uint32_t max_keys,
                               const Clock& clock)
    : rate_(rate), clock_(clock) {
  const size_t size =
      std::max(kGroup, absl::bit_ceil(static_cast<size_t>(max_keys)));
  mask_ = size - 1;
  slots_ = std::make_unique<Slot[]>(size);
}

GcraDecision LocalGcraTable::Decide(std::string_view key) {
  uint64_t tag = absl::Hash<absl::string_view>{}(base::ToAbsl(key));
  if (tag == 0) tag = 1;
  const int64_t now = clock_.NowNs();
  return Update(FindOrClaim(tag, now), now);
}

LocalGcraTable::Slot* LocalGcraTable::Find(size_t group, uint64_t tag) {
  for (size_t i = 0; i < kGroup; ++i) {
    Slot& slot = slots_[group + i];
    if (slot.tag.load(std::memory_order_acquire) == tag) return &slot;
  }
  return nullptr;
}

LocalGcraTable::Slot& LocalGcraTable::FindOrClaim(uint64_t tag, int64_t now) {
  // The group's first slot; the hash's high bits pick the group so that the
  // low bits stay independent of the tag comparison.
  const size_t group = (static_cast<size_t>(tag >> 17) * kGroup) & mask_;
  for (;;) {
    if (Slot* found = Find(group, tag)) return *found;
    // Pick a victim: free, else idle, else the busy one closest to idle.
    Slot* victim = nullptr;
    int64_t victim_tat = std::numeric_limits<int64_t>::max();
    uint64_t victim_tag = 0;
    for (size_t i = 0; i < kGroup; ++i) {
      Slot& slot = slots_[group + i];
      const uint64_t t = slot.tag.load(std::memory_order_acquire);
      const int64_t tat = t == 0 ? std::numeric_limits<int64_t>::min()
                                 : slot.tat.load(std::memory_order_relaxed);
      if (tat < victim_tat) {
        victim = &slot;
        victim_tat = tat;
        victim_tag = t;
      }
    }
    if (!victim->tag.compare_exchange_strong(victim_tag, tag,
                                             std::memory_order_acq_rel)) {
      continue;  // Someone else took it; look again.
    }
    if (victim_tat > now) {
      evictions_.fetch_add(1, std::memory_order_relaxed);
      victim->tat.store(0, std::memory_order_relaxed);  // A full bucket.
    }
    // Two threads may have claimed slots for the same new key: all use the
    // group's first one, and the others give theirs back.
    Slot* first = Find(group, tag);
    if (first != victim) {
      uint64_t mine = tag;
      victim->tag.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
    }
    if (first != nullptr) return *first;
  }
}

GcraDecision LocalGcraTable::Update(Slot& slot, int64_t now) {
  int64_t tat = slot.tat.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t next = std::max(tat, now) + rate_.interval_ns;
    if (next - now > rate_.limit_ns) {
      return DecisionAt(rate_, false, std::max(tat, now), now);
    }
    if (slot.tat.compare_exchange_weak(tat, next, std::memory_order_relaxed)) {
      return DecisionAt(rate_, true, next, now);
    }
  }
}

size_t LocalGcraTable::BusyKeys() const {
  const int64_t now = clock_.NowNs();
  size_t busy = 0;
  for (size_t i = 0; i <= mask_; ++i) {
    if (slots_[i].tag.load(std::memory_order_relaxed) != 0 &&
        slots_[i].tat.load(std::memory_order_relaxed) > now) {
      ++busy;
    }
  }
  return busy;
}

}  // namespace protogate::ratelimit
