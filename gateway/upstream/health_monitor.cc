#include "gateway/upstream/health_monitor.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/base/logging.h"
#include "grpc/health/v1/health.pb.h"

namespace protogate::upstream {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

using HealthResponse = grpc::health::v1::HealthCheckResponse;

// One check in flight: its start, and how to cancel it.
struct Check {
  size_t index = 0;
  absl::Time started;
  std::shared_ptr<CallCanceller> canceller = std::make_shared<CallCanceller>();
};

bool IsServing(const CallResult& result, std::string* why) {
  if (!result.status.ok()) {
    *why = absl::StrCat("check failed: ", result.status.message(), " (code ",
                        static_cast<int>(result.status.code()), ")");
    return false;
  }
  HealthResponse response;
  if (!response.ParseFromString(result.payload)) {
    *why = "malformed HealthCheckResponse";
    return false;
  }
  if (response.status() != HealthResponse::SERVING) {
    *why = absl::StrCat("status ",
                        HealthResponse::ServingStatus_Name(response.status()));
    return false;
  }
  return true;
}

}  // namespace

class HealthMonitorState {
 public:
  struct Target {
    HealthTarget spec;
    std::string request_bytes;  // The serialized HealthCheckRequest.
    absl::Time next_check = absl::InfinitePast();
    std::shared_ptr<CallCanceller> in_flight;
    bool checking = false;
    int failures = 0;
    int passes = 0;
  };

  explicit HealthMonitorState(std::vector<HealthTarget> targets) {
    for (HealthTarget& t : targets) {
      Target& target = targets_.emplace_back();
      grpc::health::v1::HealthCheckRequest request;
      request.set_service(t.spec.service);
      target.request_bytes = request.SerializeAsString();
      target.spec = std::move(t);
    }
  }

  void Run(const std::shared_ptr<HealthMonitorState>& self);
  void Stop();
  void Finish(const Check& check, const CallResult& result);

 private:
  // Marks the due targets as checking and returns their checks (to be
  // started outside the lock) and the time of the next due check.
  std::vector<Check> DueChecks(absl::Time now, absl::Time& next)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(Target& t, bool passed, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  // Fixed size; the fields of each target are guarded by mu_.
  std::vector<Target> targets_;
};

std::vector<Check> HealthMonitorState::DueChecks(absl::Time now,
                                                 absl::Time& next) {
  std::vector<Check> due;
  next = absl::InfiniteFuture();
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.checking) continue;
    if (t.next_check <= now) {
      Check& check = due.emplace_back();
      check.index = i;
      check.started = now;
      t.checking = true;
      t.in_flight = check.canceller;
    } else {
      next = std::min(next, t.next_check);
    }
  }
  return due;
}

void HealthMonitorState::Run(const std::shared_ptr<HealthMonitorState>& self) {
  while (true) {
    std::vector<Check> due;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      absl::Time next;
      due = DueChecks(absl::Now(), next);
      if (due.empty()) {
        changed_ = false;
        mu_.AwaitWithDeadline(
            absl::Condition(
                +[](HealthMonitorState* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(
                     s->mu_) { return s->stopping_ || s->changed_; },
                this),
            next);
        continue;
      }
    }
    for (Check& check : due) {
      const Target& t = targets_[check.index];
      CallRequest request{.method = kCheckMethod,
                          .payload = t.request_bytes,
                          .deadline = check.started + t.spec.spec.timeout,
                          .canceller = check.canceller};
      t.spec.channel->Call(
          std::move(request),
          [self, check](CallResult result) { self->Finish(check, result); });
    }
  }
}

void HealthMonitorState::Record(Target& t, bool passed,
                                const std::string& why) {
  const HealthCheckSpec& spec = t.spec.spec;
  EndpointHealth& health = *t.spec.health;
  if (passed) {
    t.failures = 0;
    ++t.passes;
    if (!health.healthy.load() && t.passes >= spec.healthy_threshold) {
      health.healthy.store(true);
      PG_LOG(kInfo) << "cluster \"" << t.spec.cluster << "\" endpoint "
                    << t.spec.endpoint << ": healthy";
    }
    return;
  }
  t.passes = 0;
  ++t.failures;
  if (health.healthy.load() && t.failures >= spec.unhealthy_threshold) {
    health.healthy.store(false);
    PG_LOG(kWarning) << "cluster \"" << t.spec.cluster << "\" endpoint "
                     << t.spec.endpoint << ": unhealthy (" << why << ")";
  }
}

void HealthMonitorState::Finish(const Check& check, const CallResult& result) {
  std::string why;
  const bool passed = IsServing(result, &why);
  absl::MutexLock lock(&mu_);
  Target& t = targets_[check.index];
  t.checking = false;
  t.in_flight.reset();
  // A cancelled check (the monitor stopping) says nothing about health.
  if (!stopping_) Record(t, passed, why);
  t.next_check = std::max(check.started + t.spec.spec.interval, absl::Now());
  changed_ = true;
}

void HealthMonitorState::Stop() {
  std::vector<std::shared_ptr<CallCanceller>> in_flight;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (Target& t : targets_) {
      if (t.in_flight != nullptr) in_flight.push_back(t.in_flight);
    }
  }
  // Outside the lock: a cancel may complete the check on this thread.
  for (auto& canceller : in_flight) canceller->Cancel();
}

HealthMonitor::HealthMonitor(std::vector<HealthTarget> targets)
    : state_(std::make_shared<HealthMonitorState>(std::move(targets))) {
  thread_ = std::thread([state = state_] { state->Run(state); });
}

HealthMonitor::~HealthMonitor() {
  state_->Stop();
  thread_.join();
}

}  // namespace protogate::upstream
