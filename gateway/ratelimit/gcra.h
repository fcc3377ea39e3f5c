// Gcra: the arithmetic of the Generic Cell Rate Algorithm (GCRA, as in
// redis-cell), shared by the local table and the Redis script's callers.
//
// A bucket is one timestamp, its theoretical arrival time (TAT). With the
// emission interval T = per / requests and the limit L = burst * T, a
// request at `now` passes when max(TAT, now) + T - now <= L, and then moves
// TAT to max(TAT, now) + T. So `burst` requests pass at once, then one per
// T. Example: requests 10, per 1s, burst 10: T = 100 ms, L = 1 s; ten
// requests at t=0 pass (TAT = 1 s), the eleventh does not (1.1 s > 1 s);
// at t=100 ms one more passes.
//
// Thread safety: value types and pure functions.
#pragma once

#include <cstdint>

#include "absl/time/time.h"

namespace protogate::ratelimit {

// The rate of one policy, in nanoseconds.
struct GcraRate {
  int64_t interval_ns = 1;  // T, at least 1.
  int64_t limit_ns = 1;     // L = burst * T.
  int64_t burst = 1;

  // REQUIRES: requests > 0, per > 0, burst > 0. Saturates L at ~31 years.
  static GcraRate Of(uint64_t requests, absl::Duration per, uint64_t burst);
};

// What one request learned about its bucket.
struct GcraDecision {
  bool allowed = false;
  int64_t remaining = 0;       // Requests that may still come at once.
  int64_t reset_ns = 0;        // Until the bucket is full again.
  int64_t retry_after_ns = 0;  // Until one request passes; 0 when allowed.
};

// The decision for a bucket whose TAT (after the request, if it passed)
// is `tat_after` at `now`.
GcraDecision DecisionAt(const GcraRate& rate, bool allowed, int64_t tat_after,
                        int64_t now);

// Whole seconds, rounded up, for the Retry-After and RateLimit-Reset
// headers.
int64_t CeilSeconds(int64_t ns);

}  // namespace protogate::ratelimit
