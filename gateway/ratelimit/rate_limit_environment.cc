#include "gateway/ratelimit/rate_limit_environment.h"

#include "absl/strings/str_cat.h"

namespace protogate::ratelimit {

// See rate_limit_environment.h.
const char kGcraScript[] = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local answers = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local limit = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  local next = tat + interval
  if next - now > limit then
    answers[i] = -1 - (tat - now)
  else
    redis.call('SET', KEYS[i], string.format('%.0f', next), 'PX',
               string.format('%.0f', math.ceil((next - now) / 1000)))
    answers[i] = next - now
  end
end
return answers
)lua";

std::shared_ptr<LocalGcraTable> RateLimitEnvironment::LocalTable(
    const std::string& name, const GcraRate& rate, uint32_t max_keys) {
  const std::string id = absl::StrCat(name, "/", rate.interval_ns, "/",
                                      rate.limit_ns, "/", max_keys);
  absl::MutexLock lock(&mu_);
  for (auto it = tables_.begin(); it != tables_.end();) {
    if (it->second.expired()) {
      tables_.erase(it++);
    } else {
      ++it;
    }
  }
  std::weak_ptr<LocalGcraTable>& slot = tables_[id];
  if (std::shared_ptr<LocalGcraTable> table = slot.lock()) return table;
  auto table = std::make_shared<LocalGcraTable>(rate, max_keys, clock_);
  slot = table;
  return table;
}

absl::StatusOr<RedisScriptClient*> RateLimitEnvironment::Redis(
    const std::string& address, absl::Duration timeout,
    const std::string& on_error) {
  RedisScriptClientOptions options;
  options.address = address;
  options.timeout = timeout;
  options.script = kGcraScript;
  options.outage_note = absl::StrCat(
      "; shared rate limits follow on_error: ", on_error, " until it recovers");
  absl::MutexLock lock(&mu_);
  for (const auto& client : clients_) {
    const RedisScriptClientOptions& o = client->options();
    if (o.address == options.address && o.timeout == options.timeout &&
        o.outage_note == options.outage_note) {
      return client.get();
    }
  }
  absl::StatusOr<std::unique_ptr<RedisScriptClient>> client =
      RedisScriptClient::Create(std::move(options));
  if (!client.ok()) return client.status();
  clients_.push_back(*std::move(client));
  return clients_.back().get();
}

std::optional<RateLimitEnvironment::StoreFailures>
RateLimitEnvironment::RedisFailures() {
  StoreFailures total;
  absl::MutexLock lock(&mu_);
  if (clients_.empty()) return std::nullopt;
  for (const auto& client : clients_) {
    const uint64_t timeouts = client->timeouts();
    total.timeout += timeouts;
    total.unavailable += client->failures() - timeouts;
  }
  return total;
}

}  // namespace protogate::ratelimit
