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
                         CoalescedCallback done) {
  std::string key = KeyOf(request);
  {
    absl::MutexLock lock(&table_->mu);
    auto [it, first] = table_->waiting.try_emplace(key);
    it->second.push_back(std::move(done));
    if (!first) {
      ++table_->stats.joined;
      return;
    }
    ++table_->stats.sent;
  }
  request.canceller = nullptr;  // Shared: no single run may cancel it.
  channel.Call(std::move(request), [table = table_, key = std::move(key)](
                                       upstream::CallResult result) {
    Complete(*table, key, result);
  });
}

void CallCoalescer::Complete(Table& table, const std::string& key,
                             const upstream::CallResult& result) {
  std::vector<CoalescedCallback> waiters;
  {
    absl::MutexLock lock(&table.mu);
    auto it = table.waiting.find(key);
    if (it == table.waiting.end()) return;
    waiters = std::move(it->second);
    table.waiting.erase(it);
  }
  // The first waiter sent the call; the others joined it.
  for (size_t i = 0; i < waiters.size(); ++i) {
    std::move(waiters[i])(upstream::CallResult(result),
                          i == 0 ? CallRole::kSent : CallRole::kJoined);
  }
}

CallCoalescer::Stats CallCoalescer::stats() const {
  absl::MutexLock lock(&table_->mu);
  return table_->stats;
}

}  // namespace protogate::aggregator
