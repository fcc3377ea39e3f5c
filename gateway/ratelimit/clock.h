// Clock: the time source of the rate limiters, injectable so tests can step
// time exactly instead of sleeping.
//
// Thread safety: NowNs() may be called concurrently.
// Example:
//   SteadyClock clock;
//   int64_t now = clock.NowNs();
#pragma once

#include <chrono>
#include <cstdint>

namespace protogate::ratelimit {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds on a monotonic scale (not wall time).
  virtual int64_t NowNs() const = 0;
};

// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  int64_t NowNs() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace protogate::ratelimit
