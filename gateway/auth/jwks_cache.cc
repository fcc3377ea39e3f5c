#include "gateway/auth/jwks_cache.h"

#include <utility>

#include "gateway/auth/https_fetcher.h"
#include "gateway/base/logging.h"

namespace protogate::auth {

std::shared_ptr<const JwkSet> RemoteJwks::keys() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_;
}

bool RemoteJwks::RequestRefresh() {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = absl::Now();
    if (now - last_kid_miss_ < kMinKidMissInterval) return false;
    last_kid_miss_ = now;
    if (due_ != absl::InfiniteFuture()) due_ = now;  // Not in flight.
  }
  if (cache_ != nullptr) cache_->Wake();
  return true;
}

uint64_t RemoteJwks::fetch_count() const {
  absl::ReaderMutexLock lock(&mu_);
  return fetch_count_;
}

bool RemoteJwks::WaitForFetchCount(uint64_t count,
                                   absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto reached = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return fetch_count_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
}

JwksCache::~JwksCache() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wake_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<RemoteJwks> JwksCache::Get(const RemoteJwksSpec& spec) {
  absl::MutexLock lock(&mu_);
  for (const std::weak_ptr<RemoteJwks>& weak : sources_) {
    std::shared_ptr<RemoteJwks> source = weak.lock();
    if (source != nullptr && source->spec() == spec) return source;
  }
  auto source = std::make_shared<RemoteJwks>(spec);
  source->cache_ = this;
  sources_.push_back(source);
  woken_ = true;
  wake_.Signal();
  if (fetching_ == JwksFetching::kBackground && !thread_.joinable()) {
    thread_ = std::thread([this] { Run(); });
  }
  return source;
}

void JwksCache::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
  wake_.Signal();
}

std::vector<std::shared_ptr<RemoteJwks>> JwksCache::TakeDue(absl::Time now,
                                                            absl::Time& next) {
  std::vector<std::shared_ptr<RemoteJwks>> due;
  std::vector<std::weak_ptr<RemoteJwks>> live;
  for (std::weak_ptr<RemoteJwks>& weak : sources_) {
    std::shared_ptr<RemoteJwks> source = weak.lock();
    if (source == nullptr) continue;
    live.push_back(std::move(weak));
    absl::MutexLock source_lock(&source->mu_);
    if (source->due_ <= now) {
      source->due_ = absl::InfiniteFuture();  // In flight.
      due.push_back(std::move(source));
    } else if (source->due_ < next) {
      next = source->due_;
    }
  }
  sources_ = std::move(live);
  return due;
}

void JwksCache::Fetch(RemoteJwks& source) {
  const RemoteJwksSpec& spec = source.spec();
  absl::StatusOr<std::string> body =
      HttpsGet(spec.uri, {.ca_file = spec.ca_file,
                          .timeout = spec.fetch_timeout,
                          .max_body_bytes = kMaxJwkSetBytes});
  absl::StatusOr<std::shared_ptr<const JwkSet>> keys =
      body.ok() ? ParseJwkSet(*body) : body.status();
  if (!keys.ok()) {
    PG_LOG(kWarning) << "auth: fetching the JWK set " << spec.uri
                     << " failed (keeping the last good keys): "
                     << keys.status().message();
  }
  absl::MutexLock lock(&source.mu_);
  if (keys.ok()) source.keys_ = *std::move(keys);
  ++source.fetch_count_;
  if (source.due_ == absl::InfiniteFuture()) {
    source.due_ = absl::Now() + spec.refresh;
  }
}

void JwksCache::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    absl::Time next = absl::InfiniteFuture();
    std::vector<std::shared_ptr<RemoteJwks>> due = TakeDue(absl::Now(), next);
    if (!due.empty()) {
      mu_.Unlock();
      for (const std::shared_ptr<RemoteJwks>& source : due) Fetch(*source);
      due.clear();
      mu_.Lock();
      continue;
    }
    if (!woken_) wake_.WaitWithDeadline(&mu_, next);
    woken_ = false;
  }
}

}  // namespace protogate::auth
