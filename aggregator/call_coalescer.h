// CallCoalescer: request coalescing across runs. Identical upstream calls
// (same method, same request bytes, same forwarded metadata) in flight at
// the same time share one call: the first is sent, the others wait for its
// result, and every caller gets a copy, told whether it sent the call or
// joined one (CallRole). Only steps that say `coalesce: true` (idempotent
// reads; the compiler checks the method's idempotency_level) go through it.
//
// The shared call carries the first caller's deadline and no canceller: a
// run that ends early drops its copy of the result, it does not cancel the
// call for the others.
//
// Thread safety: thread-safe; callbacks run outside the lock, on the
// channel's callback thread (or inline for a channel that completes
// inline).
// Ownership: the table of calls in flight is shared with those calls, so
// the coalescer may be destroyed while calls it started are still running
// (their callers still get their results). The channels must outlive their
// calls as usual.
//
// Example:
//   CallCoalescer coalescer;            // one per gateway, shared by runs
//   RunOptions options;
//   options.coalescer = &coalescer;
//   ...   // StepTiming::coalesced counts the joined calls of each step.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "gateway/upstream/channel.h"

namespace protogate::aggregator {

// Whether a caller's call went upstream or was answered by one in flight.
enum class CallRole { kSent, kJoined };

using CoalescedCallback =
    absl::AnyInvocable<void(upstream::CallResult, CallRole) &&>;

class CallCoalescer {
 public:
  struct Stats {
    int64_t sent = 0;    // Calls sent upstream.
    int64_t joined = 0;  // Calls answered by a call already in flight.
  };

  CallCoalescer() : table_(std::make_shared<Table>()) {}

  // Sends `request` on `channel`, or joins the identical call in flight;
  // `done` receives the result and the caller's role in both cases.
  void Call(upstream::Channel& channel, upstream::CallRequest request,
            CoalescedCallback done);

  Stats stats() const;

 private:
  struct Table {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, std::vector<CoalescedCallback>> waiting
        ABSL_GUARDED_BY(mu);
    Stats stats ABSL_GUARDED_BY(mu);
  };

  static std::string KeyOf(const upstream::CallRequest& request);
  static void Complete(Table& table, const std::string& key,
                       const upstream::CallResult& result);

  const std::shared_ptr<Table> table_;
};

}  // namespace protogate::aggregator
