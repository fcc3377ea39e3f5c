// CallCoalescer: request coalescing across runs. Identical upstream calls
// (same method, same request bytes, same forwarded metadata) in flight at
// the same time share one call: the first is sent, the others wait for its
// result, and every caller gets a copy. Only steps that say `coalesce:
// true` (idempotent reads; the compiler checks the method's
// idempotency_level) go through it.
//
// The shared call carries the first caller's deadline and no canceller: a
// run that ends early drops its copy of the result, it does not cancel the
// call for the others.
//
// Thread safety: thread-safe; callbacks run outside the lock, on the
// channel's callback thread (or inline for a channel that completes
// inline).
// Ownership: must outlive every call started through it; the channels must
// outlive their calls as usual.
//
// Example:
//   CallCoalescer coalescer;            // one per gateway, shared by runs
//   RunOptions options;
//   options.coalescer = &coalescer;
//   ...
//   metrics.Set("plan_calls_coalesced", coalescer.stats().joined);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "gateway/upstream/channel.h"

namespace protogate::aggregator {

class CallCoalescer {
 public:
  struct Stats {
    int64_t sent = 0;    // Calls sent upstream.
    int64_t joined = 0;  // Calls answered by a call already in flight.
  };

  // Sends `request` on `channel`, or joins the identical call in flight;
  // `done` receives the result in both cases.
  void Call(upstream::Channel& channel, upstream::CallRequest request,
            upstream::CallCallback done);

  Stats stats() const;

 private:
  static std::string KeyOf(const upstream::CallRequest& request);
  void Complete(const std::string& key, const upstream::CallResult& result);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::vector<upstream::CallCallback>> waiting_
      ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::aggregator
