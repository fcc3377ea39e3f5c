// FakeChannel: an upstream::Channel for executor tests. Each
// method gets a handler computing the result and a delay; calls complete
// from the fake's own thread after the delay (or at the call's deadline with
// DEADLINE_EXCEEDED if that comes first), or, for held methods, when the
// test calls Release(). Every call is recorded with start and end times.
//
// Thread safety: all methods are thread-safe. Ownership: the fake must
// outlive every call; its destructor completes nothing still pending.
//
// Example:
//   FakeChannel fake;
//   fake.On("/agg.test.Users/GetUser", [](const CallRequest&) {
//     return Ok(user_wire);
//   }, absl::Milliseconds(50));
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"

namespace protogate::aggregator::testing {

using upstream::CallRequest;
using upstream::CallResult;

inline CallResult Ok(std::string payload) {
  CallResult r;
  r.payload = std::move(payload);
  return r;
}

class FakeChannel : public upstream::Channel {
 public:
  using Handler = std::function<CallResult(const CallRequest&)>;

  struct Record {
    std::string method;
    std::string payload;
    upstream::Metadata metadata;
    absl::Time deadline;
    absl::Time start;
    absl::Time end = absl::InfinitePast();  // Set when the callback ran.
    std::shared_ptr<upstream::CallCanceller> canceller;  // As sent, if any.
  };

  FakeChannel() : worker_([this] { Loop(); }) {}
  ~FakeChannel() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.Signal();
    }
    worker_.join();
  }

  void On(const std::string& method, Handler handler,
          absl::Duration delay = absl::ZeroDuration()) {
    absl::MutexLock lock(&mu_);
    routes_[method] = Route{std::move(handler), delay};
  }
  // Calls to `method` wait for Release(method).
  void Hold(const std::string& method) {
    absl::MutexLock lock(&mu_);
    held_[method];
  }
  void Release(const std::string& method) {
    absl::MutexLock lock(&mu_);
    for (Pending& p : held_[method]) {
      p.due = absl::Now();
      queue_.push_back(std::move(p));
    }
    held_.erase(method);
    cv_.Signal();
  }
  // Waits until `n` calls to `method` are held.
  bool AwaitHeld(const std::string& method, size_t n) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto it = held_.find(method);
      return it != held_.end() && it->second.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(5));
  }

  // Waits until `n` callbacks of calls to `method` have returned.
  bool AwaitCompleted(const std::string& method, size_t n) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return completed_[method] >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(5));
  }

  void Call(CallRequest request, upstream::CallCallback done) override {
    absl::MutexLock lock(&mu_);
    const size_t index = records_.size();
    records_.push_back(Record{request.method, request.payload, request.metadata,
                              request.deadline, absl::Now()});
    records_.back().canceller = request.canceller;
    auto it = routes_.find(request.method);
    CallResult result;
    absl::Duration delay = absl::ZeroDuration();
    if (it == routes_.end()) {
      result.status = absl::UnimplementedError(request.method);
    } else {
      result = it->second.handler(request);
      delay = it->second.delay;
    }
    Pending p{absl::Now() + delay, request.deadline, index, std::move(result),
              std::move(done)};
    auto held = held_.find(request.method);
    if (held != held_.end()) {
      held->second.push_back(std::move(p));
    } else {
      queue_.push_back(std::move(p));
      cv_.Signal();
    }
  }

  std::vector<Record> records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }
  std::vector<Record> records(const std::string& method) {
    std::vector<Record> out;
    for (Record& r : records()) {
      if (r.method == method) out.push_back(std::move(r));
    }
    return out;
  }

 private:
  struct Route {
    Handler handler;
    absl::Duration delay;
  };
  struct Pending {
    absl::Time due;
    absl::Time deadline;
    size_t index;
    CallResult result;
    upstream::CallCallback done;
  };

  // Completes due calls, earliest first, outside the lock.
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      absl::Time next = absl::Now() + absl::Milliseconds(20);
      for (size_t i = 0; i < queue_.size(); ++i) {
        Pending& p = queue_[i];
        const absl::Time at = std::min(p.due, p.deadline);
        if (at > absl::Now()) {
          next = std::min(next, at);
          continue;
        }
        Pending ready = std::move(p);
        queue_.erase(queue_.begin() + i);
        if (ready.deadline < ready.due) {
          ready.result =
              CallResult{absl::DeadlineExceededError("fake deadline")};
        }
        records_[ready.index].end = absl::Now();
        mu_.Unlock();
        std::move(ready.done)(std::move(ready.result));
        mu_.Lock();
        ++completed_[records_[ready.index].method];
        next = absl::Now();
        break;
      }
      cv_.WaitWithDeadline(&mu_, next);
    }
  }

  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, Route> routes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<Pending>> held_ ABSL_GUARDED_BY(mu_);
  std::vector<Pending> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<Record> records_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, size_t> completed_ ABSL_GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace protogate::aggregator::testing
