// VerifiedTokenCache: tokens that verified, keyed by the token text, so a
// repeated token costs a hash lookup instead of a signature check. Entries
// expire at the token's `exp` (+ skew); the cache holds at most `capacity`
// entries (when a shard is full, its expired entries go, then an arbitrary
// one). Only tokens that verified are inserted.
//
// Thread safety: thread-safe; 16 shards, each behind its own mutex.
// Ownership: one per AuthStage (so per snapshot: a reload starts empty).
//
// Example:
//   if (auto hit = cache.Find(token, now)) return Use(*hit);
//   cache.Insert(token, provider_index, std::move(verified));
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/auth/jwt_provider.h"

namespace protogate::auth {

struct CachedToken {
  int provider = 0;  // Index of the provider that verified it.
  VerifiedToken token;
};

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity = 16384);

  // The entry of `token` if present and `now` (Unix seconds) is not past
  // its valid_until; else null.
  std::shared_ptr<const CachedToken> Find(std::string_view token,
                                          int64_t now) const;
  void Insert(std::string_view token, std::shared_ptr<const CachedToken> entry,
              int64_t now);

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, std::shared_ptr<const CachedToken>> entries
        ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(std::string_view token) const;

  size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace protogate::auth
