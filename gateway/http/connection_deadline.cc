#include "gateway/http/connection_deadline.h"

#include <algorithm>
#include <utility>

namespace protogate::http {
namespace {

ConnectionDeadline::Clock::duration PeriodOf(absl::Duration period) {
  if (period == absl::InfiniteDuration()) {
    return ConnectionDeadline::Clock::duration::max();
  }
  return std::chrono::duration_cast<ConnectionDeadline::Clock::duration>(
      absl::ToChronoNanoseconds(std::max(period, absl::ZeroDuration())));
}

// `now + d` without overflow.
ConnectionDeadline::Clock::time_point After(
    ConnectionDeadline::Clock::time_point now,
    ConnectionDeadline::Clock::duration d) {
  if (d >= ConnectionDeadline::Clock::time_point::max() - now) {
    return ConnectionDeadline::Clock::time_point::max();
  }
  return now + d;
}

}  // namespace

ConnectionDeadline::ConnectionDeadline(
    boost::asio::io_context::executor_type executor, absl::Duration period)
    // At least a millisecond: a zero period would wake without pause
    // until the deadline.
    : timer_(std::move(executor)),
      period_(std::max<Clock::duration>(PeriodOf(period),
                                        std::chrono::milliseconds(1))) {}

void ConnectionDeadline::Start(std::weak_ptr<void> owner,
                               absl::AnyInvocable<void()> on_expiry) {
  owner_ = std::move(owner);
  on_expiry_ = std::move(on_expiry);
}

void ConnectionDeadline::ExpireAfter(absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) {
    ExpireNever();
    return;
  }
  const Clock::time_point now = Clock::now();
  deadline_ = After(now, PeriodOf(timeout));
  // A pending wait that ends first re-checks then; only a later one (or
  // none) is re-armed.
  if (wait_until_ <= deadline_) return;
  Arm(std::min(deadline_, After(now, period_)));
}

void ConnectionDeadline::Cancel() {
  deadline_ = Clock::time_point::max();
  wait_until_ = Clock::time_point::max();
  timer_.cancel();
}

void ConnectionDeadline::Arm(Clock::time_point when) {
  wait_until_ = when;
  timer_.expires_at(when);  // Ends a pending wait with operation_aborted.
  timer_.async_wait(
      [this, owner = owner_](const boost::system::error_code& ec) {
        if (ec) return;  // Re-armed, cancelled or destroyed.
        const std::shared_ptr<void> alive = owner.lock();
        if (alive == nullptr) return;
        OnWake();
      });
}

void ConnectionDeadline::OnWake() {
  wait_until_ = Clock::time_point::max();
  if (deadline_ == Clock::time_point::max()) return;  // Cleared meanwhile.
  const Clock::time_point now = Clock::now();
  if (now >= deadline_) {
    on_expiry_();
    return;
  }
  Arm(std::min(deadline_, After(now, period_)));
}

}  // namespace protogate::http
