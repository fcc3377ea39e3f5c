// ConnectionDeadline: one coarse deadline timer per client connection, in
// place of one timer per I/O operation. (beast::basic_stream arms and
// cancels an Asio timer around every read and write; each arm that becomes
// the loop's earliest timer costs a timerfd_settime system call, three per
// keep-alive GET.)
//
// The connection states the deadline of its current phase with
// ExpireAfter() or clears it with ExpireNever(). Both only store a time
// point unless no wait is pending or the pending wait would end after the
// new deadline: the timer waits at most `period` (the shortest timeout the
// connection uses, so that moving from one phase to the next almost never
// re-arms it), then re-checks. When a deadline passes, `on_expiry` runs on
// the loop; a cleared deadline lets the timer stop at its next wake.
//
// Thread safety: the loop thread of the executor only.
// Ownership: a member of its connection. `on_expiry` runs only while the
// `owner` given to Start() is alive (a wake that completes after the owner
// is gone does nothing).
//
// Example:
//   deadline_.Start(weak_from_this(), [this] { OnDeadline(); });
//   deadline_.ExpireAfter(absl::Seconds(30));  // Before a read.
//   deadline_.ExpireNever();                   // While the handler runs.
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace protogate::http {

class ConnectionDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // `period`: the longest single wait (InfiniteDuration: no limit).
  ConnectionDeadline(boost::asio::io_context::executor_type executor,
                     absl::Duration period);
  ConnectionDeadline(const ConnectionDeadline&) = delete;
  ConnectionDeadline& operator=(const ConnectionDeadline&) = delete;

  // REQUIRES: called once, before the first ExpireAfter().
  void Start(std::weak_ptr<void> owner, absl::AnyInvocable<void()> on_expiry);
  // The deadline is `timeout` from now (InfiniteDuration: none).
  void ExpireAfter(absl::Duration timeout);
  // No deadline.
  void ExpireNever() { deadline_ = Clock::time_point::max(); }
  // A deadline is set and has passed.
  bool passed() const {
    return deadline_ != Clock::time_point::max() && Clock::now() >= deadline_;
  }
  // No deadline and no pending wait (the connection closes).
  void Cancel();

 private:
  void Arm(Clock::time_point when);
  void OnWake();

  boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>,
                                    boost::asio::io_context::executor_type>
      timer_;
  const Clock::duration period_;
  Clock::time_point deadline_ = Clock::time_point::max();
  // When the pending wait ends; max() when none is pending.
  Clock::time_point wait_until_ = Clock::time_point::max();
  std::weak_ptr<void> owner_;
  absl::AnyInvocable<void()> on_expiry_;
};

}  // namespace protogate::http
