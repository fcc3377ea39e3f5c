#include "gateway/upstream/timer_queue.h"

#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace protogate::upstream {

struct TimerQueue::State {
  absl::Mutex mu;
  absl::CondVar changed;
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::multimap<absl::Time, absl::AnyInvocable<void()>> timers
      ABSL_GUARDED_BY(mu);
};

void TimerQueue::Loop(std::shared_ptr<State> state) {
  absl::MutexLock lock(&state->mu);
  while (true) {
    if (state->timers.empty()) {
      if (state->stop) return;
      state->changed.Wait(&state->mu);
      continue;
    }
    auto first = state->timers.begin();
    if (!state->stop && first->first > absl::Now()) {
      state->changed.WaitWithDeadline(&state->mu, first->first);
      continue;
    }
    absl::AnyInvocable<void()> callback = std::move(first->second);
    state->timers.erase(first);
    state->mu.Unlock();
    callback();
    callback = nullptr;  // Destroy captures outside the lock too.
    state->mu.Lock();
  }
}

TimerQueue::TimerQueue() : state_(std::make_shared<State>()) {
  thread_ = std::thread([state = state_] { Loop(state); });
}

TimerQueue::~TimerQueue() {
  {
    absl::MutexLock lock(&state_->mu);
    state_->stop = true;
    state_->changed.Signal();
  }
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();  // The loop holds the state and exits on its own.
  } else {
    thread_.join();
  }
}

void TimerQueue::RunAt(absl::Time when, absl::AnyInvocable<void()> callback) {
  absl::MutexLock lock(&state_->mu);
  state_->timers.emplace(when, std::move(callback));
  state_->changed.Signal();
}

}  // namespace protogate::upstream
