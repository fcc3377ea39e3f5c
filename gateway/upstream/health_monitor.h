// HealthMonitor: active health checks (grpc.health.v1.Health/Check) of
// cluster endpoints, off the request path.
//
// One thread per monitor (one monitor per Upstreams, i.e. per snapshot)
// schedules the checks; each check is an asynchronous unary call on the
// endpoint's own channel (the one requests use: protogate's HTTP/2 client,
// h2_channel.h), so no thread waits on a backend. An endpoint starts healthy
// (calls flow before the first check finishes, as they do without health
// checks). A check passes when the backend answers SERVING within the timeout;
// any other answer, error or timeout fails it (a backend without the health
// service fails with UNIMPLEMENTED). `unhealthy_threshold` consecutive
// failures make a healthy endpoint unhealthy; `healthy_threshold`
// consecutive passes make an unhealthy one healthy again. The next check of
// an endpoint starts one `interval` after the previous one started (or at
// once when that one took longer).
//
// Thread safety: the EndpointHealth flags are atomics, read by pickers on
// any thread. The monitor itself is not copied or shared.
// Ownership: the monitor shares the health flags it is given and uses the
// channels, which must outlive it (a check may outlive both: H2Channel ends
// its calls when it closes); the destructor stops the thread and cancels the
// checks in flight without waiting: their callbacks hold the shared state.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gateway/upstream/channel.h"

namespace protogate::upstream {

// Whether an endpoint may receive calls; written by the monitor.
struct EndpointHealth {
  std::atomic<bool> healthy{true};
};

// Active grpc.health.v1.Health/Check of an endpoint: a cluster's
// `health_check` with the defaults (upstreams.h) filled in.
struct HealthCheckSpec {
  absl::Duration interval;
  absl::Duration timeout;   // At most `interval`.
  int unhealthy_threshold;  // Consecutive failures.
  int healthy_threshold;    // Consecutive passes.
  std::string service;      // Empty: the whole server.
};

struct HealthTarget {
  std::string cluster;   // For log lines.
  std::string endpoint;  // For log lines.
  Channel* channel = nullptr;
  std::shared_ptr<EndpointHealth> health;
  HealthCheckSpec spec;
};

class HealthMonitorState;

class HealthMonitor {
 public:
  // Starts checking every target at once. REQUIRES: targets have non-null
  // channels and health flags, positive interval and timeout, thresholds
  // of at least 1.
  explicit HealthMonitor(std::vector<HealthTarget> targets);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  // Stops the thread (joins it) and cancels the checks in flight.
  ~HealthMonitor();

 private:
  std::shared_ptr<HealthMonitorState> state_;
  std::thread thread_;
};

}  // namespace protogate::upstream
