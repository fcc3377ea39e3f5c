// JwksCache: the JWK sets fetched from `jwks_uri`s, kept across config
// reloads. One background thread fetches every set (HttpsGet) when it is
// due: first at once, then every `refresh`, and early when a token names an
// unknown key (RequestRefresh, at most once per kMinKidMissInterval per
// source). A failed fetch is logged and keeps the last good set.
//
// A RemoteJwks is shared by every snapshot whose provider has the same
// settings (uri, CA file, refresh period); it is fetched while some
// snapshot holds it. The thread starts with the first source.
//
// Thread safety: all methods are thread-safe. keys() is a shared_ptr copy
// under a reader lock.
// Ownership: the owner of the cache (server::StageEnvironment) must outlive
// the snapshots; sources are shared_ptrs held by the auth stages.
//
// Example:
//   JwksCache cache;
//   std::shared_ptr<RemoteJwks> jwks = cache.Get({.uri = "https://..."});
//   std::shared_ptr<const JwkSet> keys = jwks->keys();  // null until fetched
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/auth/jwk.h"

namespace protogate::auth {

inline constexpr absl::Duration kMinKidMissInterval = absl::Seconds(10);

struct RemoteJwksSpec {
  std::string uri;
  std::string ca_file;  // Empty: the system store.
  absl::Duration refresh = absl::Seconds(300);
  absl::Duration fetch_timeout = absl::Seconds(10);

  bool operator==(const RemoteJwksSpec&) const = default;
};

class JwksCache;

// The keys of one jwks_uri.
class RemoteJwks {
 public:
  explicit RemoteJwks(RemoteJwksSpec spec) : spec_(std::move(spec)) {}

  const RemoteJwksSpec& spec() const { return spec_; }
  // The last good set, or null before a fetch ever succeeded.
  std::shared_ptr<const JwkSet> keys() const;
  // Asks for a fetch now, unless one was asked less than
  // kMinKidMissInterval ago. Returns whether it asked.
  bool RequestRefresh();
  // Fetches finished (successful or not), for tests and metrics.
  uint64_t fetch_count() const;
  // Waits until fetch_count() >= count or `timeout` passed; returns
  // whether the count was reached.
  bool WaitForFetchCount(uint64_t count, absl::Duration timeout) const;

 private:
  friend class JwksCache;
  const RemoteJwksSpec spec_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const JwkSet> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time due_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_kid_miss_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t fetch_count_ ABSL_GUARDED_BY(mu_) = 0;
  JwksCache* cache_ = nullptr;  // Set by JwksCache::Get; outlives this.
};

// Whether a JwksCache fetches: kBackground serves; kNever is for
// `--validate`, which builds every stage but calls no backend (the keys of
// its sources stay null).
enum class JwksFetching { kBackground, kNever };

class JwksCache {
 public:
  explicit JwksCache(JwksFetching fetching = JwksFetching::kBackground)
      : fetching_(fetching) {}
  // Stops the thread (after a fetch in progress ends).
  ~JwksCache();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The source of `spec`: the one already held by some snapshot when its
  // spec is equal, else a new one whose first fetch starts now (never with
  // JwksFetching::kNever).
  std::shared_ptr<RemoteJwks> Get(const RemoteJwksSpec& spec);

 private:
  friend class RemoteJwks;
  void Run();
  void Wake();
  // Fetches `source` and stores the result.
  static void Fetch(RemoteJwks& source);
  // Live sources due at `now`; drops expired ones; sets `next` to the
  // earliest later due time.
  std::vector<std::shared_ptr<RemoteJwks>> TakeDue(absl::Time now,
                                                   absl::Time& next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const JwksFetching fetching_;
  absl::Mutex mu_;
  absl::CondVar wake_;
  std::vector<std::weak_ptr<RemoteJwks>> sources_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // Started by the first Get.
};

}  // namespace protogate::auth
