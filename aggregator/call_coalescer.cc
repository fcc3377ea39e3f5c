#include "aggregator/call_coalescer.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace protogate::aggregator {

std::string CallCoalescer::KeyOf(const upstream::CallRequest& request) {
  std::string key = absl::StrCat(request.method.size(), ":", request.method,
                                 request.payload.size(), ":", request.payload);
  for (const auto& [name, value] : request.metadata) {
    absl::StrAppend(&key, name.size(), ":", name, value.size(), ":", value);
  }
  return key;
}

void CallCoalescer::Call(upstream::Channel& channel,
                         upstream::CallRequest request,
                         upstream::CallCallback done) {
  std::string key = KeyOf(request);
  {
    absl::MutexLock lock(&mu_);
    auto [it, first] = waiting_.try_emplace(key);
    it->second.push_back(std::move(done));
    if (!first) {
      ++stats_.joined;
      return;
    }
    ++stats_.sent;
  }
  request.canceller = nullptr;  // Shared: no single run may cancel it.
  channel.Call(std::move(request),
               [this, key = std::move(key)](upstream::CallResult result) {
                 Complete(key, result);
               });
}

void CallCoalescer::Complete(const std::string& key,
                             const upstream::CallResult& result) {
  std::vector<upstream::CallCallback> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = waiting_.find(key);
    if (it == waiting_.end()) return;
    waiters = std::move(it->second);
    waiting_.erase(it);
  }
  for (auto& done : waiters) std::move(done)(upstream::CallResult(result));
}

CallCoalescer::Stats CallCoalescer::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

}  // namespace protogate::aggregator
