#include "gateway/upstream/call_deadlines.h"

namespace protogate::upstream {

H2Call::~H2Call() {
  if (deadlines != nullptr) deadlines->Remove(*this);
}

CallDeadlines::CallDeadlines(boost::asio::io_context& ioc, Expire expire)
    : timer_(ioc.get_executor()), expire_(expire) {}

CallDeadlines::~CallDeadlines() {
  while (head_ != nullptr) Remove(*head_);
}

void CallDeadlines::Add(H2Call& call) {
  H2Call* before = tail_;  // The call goes after `before` (null: first).
  while (before != nullptr && before->deadline > call.deadline) {
    before = before->deadline_prev;
  }
  call.deadlines = this;
  call.deadline_prev = before;
  call.deadline_next = before != nullptr ? before->deadline_next : head_;
  (call.deadline_next != nullptr ? call.deadline_next->deadline_prev : tail_) =
      &call;
  (before != nullptr ? before->deadline_next : head_) = &call;
  // A pending wait that ends first re-checks then.
  if (call.deadline < wait_until_) Arm(call.deadline);
}

void CallDeadlines::Remove(H2Call& call) {
  if (call.deadlines != this) return;
  (call.deadline_prev != nullptr ? call.deadline_prev->deadline_next : head_) =
      call.deadline_next;
  (call.deadline_next != nullptr ? call.deadline_next->deadline_prev : tail_) =
      call.deadline_prev;
  call.deadlines = nullptr;
  call.deadline_prev = nullptr;
  call.deadline_next = nullptr;
}

void CallDeadlines::Cancel() {
  wait_until_ = Clock::time_point::max();
  timer_.cancel();
}

void CallDeadlines::Arm(Clock::time_point when) {
  wait_until_ = when;
  timer_.expires_at(when);  // Ends a pending wait with operation_aborted.
  timer_.async_wait(
      [weak = weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;  // Re-armed or cancelled.
        if (const std::shared_ptr<CallDeadlines> self = weak.lock()) {
          self->OnWake();
        }
      });
}

void CallDeadlines::OnWake() {
  wait_until_ = Clock::time_point::max();
  const Clock::time_point now = Clock::now();
  // Ending a call may add or remove others: take the head each time.
  while (head_ != nullptr && head_->deadline <= now) {
    H2Call& call = *head_;
    Remove(call);
    expire_(call);
  }
  if (head_ != nullptr) Arm(head_->deadline);
}

}  // namespace protogate::upstream
