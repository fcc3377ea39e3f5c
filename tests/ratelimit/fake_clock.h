// FakeClock: a Clock the test steps by hand.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "gateway/ratelimit/clock.h"

namespace protogate::ratelimit {

class FakeClock final : public Clock {
 public:
  int64_t NowNs() const override { return now_.load(); }
  void Advance(absl::Duration d) { now_ += absl::ToInt64Nanoseconds(d); }

 private:
  std::atomic<int64_t> now_{int64_t{1000} * 1000000000};
};

}  // namespace protogate::ratelimit
