#include "gateway/ratelimit/gcra.h"

#include <algorithm>

namespace protogate::ratelimit {
namespace {

constexpr int64_t kMaxLimitNs = int64_t{1} << 60;  // ~36 years.

}  // namespace

GcraRate GcraRate::Of(uint64_t requests, absl::Duration per, uint64_t burst) {
  GcraRate rate;
  const int64_t per_ns = absl::ToInt64Nanoseconds(per);
  rate.interval_ns =
      std::max<int64_t>(1, per_ns / static_cast<int64_t>(requests));
  rate.burst = static_cast<int64_t>(burst);
  const __int128 limit = static_cast<__int128>(rate.interval_ns) * rate.burst;
  rate.limit_ns = static_cast<int64_t>(std::min<__int128>(limit, kMaxLimitNs));
  return rate;
}

GcraDecision DecisionAt(const GcraRate& rate, bool allowed, int64_t tat_after,
                        int64_t now) {
  GcraDecision d;
  d.allowed = allowed;
  const int64_t used = std::max<int64_t>(0, tat_after - now);
  d.reset_ns = used;
  d.remaining = std::max<int64_t>(0, (rate.limit_ns - used) / rate.interval_ns);
  if (!allowed) {
    d.remaining = 0;
    d.retry_after_ns =
        std::max<int64_t>(1, used + rate.interval_ns - rate.limit_ns);
  }
  return d;
}

int64_t CeilSeconds(int64_t ns) {
  constexpr int64_t kSecond = 1000000000;
  return ns <= 0 ? 0 : (ns + kSecond - 1) / kSecond;
}

}  // namespace protogate::ratelimit
