#include "gateway/auth/verified_token_cache.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "gateway/base/strings.h"

namespace protogate::auth {

VerifiedTokenCache::VerifiedTokenCache(size_t capacity)
    : shard_capacity_(std::max<size_t>(1, capacity / kShards)) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardOf(
    std::string_view token) const {
  // The last characters are signature bytes: evenly spread.
  const std::string_view tail =
      token.substr(token.size() - std::min<size_t>(token.size(), 9));
  return shards_[absl::Hash<absl::string_view>{}(base::ToAbsl(tail)) % kShards];
}

std::shared_ptr<const CachedToken> VerifiedTokenCache::Find(
    std::string_view token, int64_t now) const {
  Shard& shard = ShardOf(token);
  absl::ReaderMutexLock lock(&shard.mu);
  auto it = shard.entries.find(base::ToAbsl(token));
  if (it == shard.entries.end() || now > it->second->token.valid_until) {
    return nullptr;
  }
  return it->second;
}

void VerifiedTokenCache::Insert(std::string_view token,
                                std::shared_ptr<const CachedToken> entry,
                                int64_t now) {
  Shard& shard = ShardOf(token);
  absl::MutexLock lock(&shard.mu);
  if (shard.entries.size() >= shard_capacity_) {
    absl::erase_if(shard.entries, [now](const auto& kv) {
      return now > kv.second->token.valid_until;
    });
  }
  if (shard.entries.size() >= shard_capacity_) {
    shard.entries.erase(shard.entries.begin());
  }
  shard.entries.insert_or_assign(std::string(token), std::move(entry));
}

}  // namespace protogate::auth
