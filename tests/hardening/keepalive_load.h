// KeepAliveLoad: a bounded request load for the hardening tests: `threads`
// threads, each sending `request` over one keep-alive connection until
// stopped, `max_requests` per thread are done or `max_time` passed. Every
// outcome is counted:
//   ok       a complete 200 answer;
//   refused  the gateway refused the connection (connect failed), or
//            closed a keep-alive connection before any byte of an answer
//            (an idle close, e.g. while draining), after which the next
//            connect decides;
//   failed   anything else: another status, a cut or garbled answer.
//
// Thread safety: Stop() and the counters may be called from any thread.
// Ownership: owns its threads; the destructor stops and joins them.
//
// Example:
//   KeepAliveLoad load(port, 4, "GET /v1/shelves/1 HTTP/1.1\r\nHost:
//   g\r\n\r\n");
//   ... (reloads, signals) ...
//   load.Stop();
//   EXPECT_EQ(load.failed(), 0) << load.first_failure();
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/http_client.h"

namespace protogate::hardening {

class KeepAliveLoad {
 public:
  KeepAliveLoad(uint16_t port, int threads, std::string request,
                int max_requests = 20000,
                absl::Duration max_time = absl::Seconds(60))
      : request_(std::move(request)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this, port, max_requests, max_time] {
        Run(port, max_requests, absl::Now() + max_time);
      });
    }
  }
  ~KeepAliveLoad() { Stop(); }

  // Stops and joins the threads. Idempotent.
  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  // Joins the threads after they ran to their bounds (or stopped).
  void Join() {
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int64_t ok() const { return ok_.load(); }
  int64_t refused() const { return refused_.load(); }
  int64_t failed() const { return failed_.load(); }
  std::string first_failure() {
    absl::MutexLock lock(&mu_);
    return first_failure_;
  }

 private:
  void Run(uint16_t port, int max_requests, absl::Time give_up) {
    auto conn = testing::HttpConnection::Connect(port);
    for (int i = 0; i < max_requests && !stop_.load() && absl::Now() < give_up;
         ++i) {
      if (!conn.ok()) {
        refused_.fetch_add(1);
        return;  // The listener is gone: the gateway is draining or exited.
      }
      if (!(*conn)->Write(request_).ok()) {
        refused_.fetch_add(1);
        conn = testing::HttpConnection::Connect(port);
        continue;
      }
      auto r = (*conn)->ReadResponse();
      if (r.ok() && r->status == 200 && r->complete) {
        ok_.fetch_add(1);
        if (r->Header("connection") != "close") continue;
      } else if (!r.ok() && (*conn)->PeerClosed()) {
        refused_.fetch_add(1);  // Closed before any byte of an answer.
      } else {
        Fail(r.ok() ? absl::StrCat(r->status, " ", r->body)
                    : std::string(r.status().message()));
      }
      conn = testing::HttpConnection::Connect(port);
    }
  }
  void Fail(const std::string& what) {
    failed_.fetch_add(1);
    absl::MutexLock lock(&mu_);
    if (first_failure_.empty()) first_failure_ = what;
  }

  const std::string request_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> ok_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> failed_{0};
  absl::Mutex mu_;
  std::string first_failure_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::hardening
