// TimerQueue: runs callbacks at given times on a thread of its own, so that
// waits (retry backoffs) never block an I/O or gRPC completion thread.
//
// Callbacks run one at a time, in time order, outside the queue's lock; they
// must be short and must not block (starting an asynchronous call is fine).
//
// Thread safety: RunAt() may be called from any thread, also from a
// callback.
// Ownership: owns its thread. The destructor runs every pending callback at
// once (on the queue's thread, in time order), then joins the thread — or,
// when it runs on that thread itself (a callback released the last owner),
// lets the thread finish on its own.
//
// Example:
//   TimerQueue timers;
//   timers.RunAt(absl::Now() + absl::Milliseconds(100), [] { Retry(); });
#pragma once

#include <memory>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace protogate::upstream {

class TimerQueue {
 public:
  TimerQueue();
  ~TimerQueue();
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Runs `callback` on the queue's thread at `when` (at once if it is past).
  // Callbacks with the same time run in the order they were added.
  void RunAt(absl::Time when, absl::AnyInvocable<void()> callback);

 private:
  struct State;
  static void Loop(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;  // Shared with the thread.
  std::thread thread_;
};

}  // namespace protogate::upstream
