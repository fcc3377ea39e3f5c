// CallDeadlines: the deadlines of one loop's unary calls, kept by one Asio
// timer over a list of the calls ordered by deadline, instead of one timer
// per call (each armed, then cancelled, on every call: timer-queue work and,
// whenever it became the loop's earliest timer, a timerfd_settime system
// call). Internal to protogate::upstream.
//
// Add() links a call (usually at the tail: with one timeout per route,
// later calls end later) and re-arms the timer only when the call ends
// before the pending wait; Remove() (FinishCall) only unlinks. When the
// timer wakes it ends, through `expire`, every call whose deadline has
// passed, then waits for the new head's.
//
// Thread safety: the thread of the loop `ioc` runs on, only.
// Ownership: shared by its loop's client (H2Channel::LoopClient); the
// timer's handler holds it weakly. Linked calls are not owned: a call
// unlinks itself when it is destroyed, and the destructor unlinks the
// calls still listed.
//
// Example:
//   auto deadlines = std::make_shared<CallDeadlines>(ioc, &ExpireCall);
//   call->deadline = steady_deadline;
//   deadlines->Add(*call);      // Ends it at its deadline ...
//   deadlines->Remove(*call);   // ... unless it finished before.
#pragma once

#include <chrono>
#include <memory>

#include "gateway/upstream/h2_call.h"

namespace protogate::upstream {

class CallDeadlines : public std::enable_shared_from_this<CallDeadlines> {
 public:
  using Clock = std::chrono::steady_clock;
  // Ends a call whose deadline passed (it is already unlinked).
  using Expire = void (*)(H2Call& call);

  CallDeadlines(boost::asio::io_context& ioc, Expire expire);
  ~CallDeadlines();
  CallDeadlines(const CallDeadlines&) = delete;
  CallDeadlines& operator=(const CallDeadlines&) = delete;

  // Ends `call` through `expire` at call.deadline unless it is removed
  // first. REQUIRES: `call` is in no list; owned by a shared_ptr.
  void Add(H2Call& call);
  // Unlinks `call`; nothing if it is not in this list.
  void Remove(H2Call& call);
  // Stops the timer (the loop shuts down; its calls are being ended).
  void Cancel();

 private:
  void Arm(Clock::time_point when);
  void OnWake();

  H2Timer timer_;
  const Expire expire_;
  H2Call* head_ = nullptr;  // Earliest deadline.
  H2Call* tail_ = nullptr;
  // When the pending wait ends; max() when none is pending.
  Clock::time_point wait_until_ = Clock::time_point::max();
};

}  // namespace protogate::upstream
