// RateLimitEnvironment: what the rate-limit stages keep across config
// reloads: the local policies' bucket tables (a reload that keeps a
// policy's name, rate and max_keys keeps its buckets) and the Redis
// connections of the shared policies (one client per address, timeout and
// on_error, kept for the environment's life).
//
// The tables are shared_ptr, held by the stages of every live snapshot and
// weakly here: a table lives as long as some snapshot uses it, and the next
// snapshot finds it while the previous one is still serving.
//
// Thread safety: methods are safe concurrently (one mutex; used only while
// stages are built, never per request).
// Ownership: owned by server::StageEnvironment; outlives every stage built
// with it. The clock must outlive the environment.
//
// Example:
//   RateLimitEnvironment env;
//   std::shared_ptr<LocalGcraTable> t = env.LocalTable("per-ip", rate, 4096);
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gateway/ratelimit/clock.h"
#include "gateway/ratelimit/local_gcra_table.h"
#include "gateway/ratelimit/redis_script_client.h"

namespace protogate::ratelimit {

// The Lua GCRA script of the shared policies, over a batch of calls
// (redis_script_client.h). KEYS[i]: a bucket; ARGV[2i-1]: its T and
// ARGV[2i]: its L in microseconds (gcra.h); keys decided in order. Uses the
// Redis server's clock (TIME), so gateways' clocks need not agree. Returns
// one integer per key, TAT after the request - now in microseconds: as is
// when passed (>= 1), as -1 - it when rejected; a key expires when its
// bucket is full again.
extern const char kGcraScript[];

class RateLimitEnvironment {
 public:
  // `clock`: the time of the local tables; null: the steady clock.
  explicit RateLimitEnvironment(const Clock* clock = nullptr)
      : clock_(clock != nullptr ? *clock : steady_clock_) {}

  // The table of local policy `name` for `rate` and `max_keys`.
  std::shared_ptr<LocalGcraTable> LocalTable(const std::string& name,
                                             const GcraRate& rate,
                                             uint32_t max_keys);

  // The client that runs kGcraScript on `address` (see
  // redis_script_client.h; InvalidArgument for a bad address).
  // `on_error` ("allow" or "deny") is named in the outage warning.
  absl::StatusOr<RedisScriptClient*> Redis(const std::string& address,
                                           absl::Duration timeout,
                                           const std::string& on_error);

  // The failed calls of every Redis client so far (the metric
  // protogate_rate_limit_store_failures_total): not answered in time, and
  // the others (not connected, connection lost, an error reply); nullopt
  // while no shared policy made a client.
  struct StoreFailures {
    uint64_t timeout = 0;
    uint64_t unavailable = 0;
  };
  std::optional<StoreFailures> RedisFailures();

  const Clock& clock() const { return clock_; }

 private:
  SteadyClock steady_clock_;
  const Clock& clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::weak_ptr<LocalGcraTable>> tables_
      ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<RedisScriptClient>> clients_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::ratelimit
