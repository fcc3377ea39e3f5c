#include "gateway/upstream/health_monitor.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/base/logging.h"
#include "gateway/upstream/channel_reaper.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/stub_options.h"

namespace protogate::upstream {
namespace {

constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

using HealthResponse = grpc::health::v1::HealthCheckResponse;

// Everything one check needs until its completion callback has run.
struct Check {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  size_t index = 0;
  absl::Time started;
  std::shared_ptr<HealthMonitorState> state;
  std::shared_ptr<Check> self;  // Released on completion.
};

bool IsServing(const grpc::Status& status, const grpc::ByteBuffer& buffer,
               std::string* why) {
  if (!status.ok()) {
    *why = absl::StrCat("check failed: ", status.error_message(), " (code ",
                        static_cast<int>(status.error_code()), ")");
    return false;
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  HealthResponse response;
  if (!response.ParseFromString(bytes)) {
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
    std::unique_ptr<grpc::GenericStub> stub;
    std::string request_bytes;  // The serialized HealthCheckRequest.
    absl::Time next_check = absl::InfinitePast();
    std::weak_ptr<Check> in_flight;
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
      target.stub = std::make_unique<grpc::GenericStub>(t.channel);
      target.spec = std::move(t);
    }
  }

  // The last reference may be dropped in a check's completion callback:
  // the channels go to the reaper.
  ~HealthMonitorState() {
    for (Target& t : targets_) {
      t.stub.reset();
      RetireChannel(std::move(t.spec.channel));
    }
  }

  void Run(const std::shared_ptr<HealthMonitorState>& self);
  void Stop();
  void Finish(Check& check, const grpc::Status& status);

 private:
  // Marks the due targets as checking and returns their checks (to be
  // started outside the lock) and the time of the next due check.
  std::vector<std::shared_ptr<Check>> DueChecks(
      const std::shared_ptr<HealthMonitorState>& self, absl::Time now,
      absl::Time& next) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(Target& t, bool passed, const std::string& why)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool changed_ ABSL_GUARDED_BY(mu_) = false;
  // Fixed size; the fields of each target are guarded by mu_.
  std::vector<Target> targets_;
};

std::vector<std::shared_ptr<Check>> HealthMonitorState::DueChecks(
    const std::shared_ptr<HealthMonitorState>& self, absl::Time now,
    absl::Time& next) {
  std::vector<std::shared_ptr<Check>> due;
  next = absl::InfiniteFuture();
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.checking) continue;
    if (t.next_check <= now) {
      auto check = std::make_shared<Check>();
      check->index = i;
      check->started = now;
      check->state = self;
      std::string bytes = t.request_bytes;
      grpc::Slice slice(bytes);
      check->request = grpc::ByteBuffer(&slice, 1);
      check->context.set_deadline(
          absl::ToChronoTime(now + t.spec.spec.timeout));
      t.checking = true;
      t.in_flight = check;
      due.push_back(std::move(check));
    } else {
      next = std::min(next, t.next_check);
    }
  }
  return due;
}

void HealthMonitorState::Run(const std::shared_ptr<HealthMonitorState>& self) {
  while (true) {
    std::vector<std::shared_ptr<Check>> due;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      absl::Time next;
      due = DueChecks(self, absl::Now(), next);
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
    for (std::shared_ptr<Check>& check : due) {
      Check* raw = check.get();
      raw->self = std::move(check);
      targets_[raw->index].stub->UnaryCall(
          &raw->context, kCheckMethod, grpc::StubOptions(), &raw->request,
          &raw->response,
          [raw](grpc::Status status) { raw->state->Finish(*raw, status); });
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

void HealthMonitorState::Finish(Check& check, const grpc::Status& status) {
  std::string why;
  const bool passed = IsServing(status, check.response, &why);
  std::shared_ptr<Check> self = std::move(check.self);
  std::shared_ptr<HealthMonitorState> state = std::move(check.state);
  {
    absl::MutexLock lock(&mu_);
    Target& t = targets_[check.index];
    t.checking = false;
    t.in_flight.reset();
    // A cancelled check (the monitor stopping) says nothing about health.
    if (!stopping_) Record(t, passed, why);
    t.next_check = std::max(check.started + t.spec.spec.interval, absl::Now());
    changed_ = true;
  }
  self.reset();  // Frees the context; the channel is still held by `state`.
}

void HealthMonitorState::Stop() {
  std::vector<std::shared_ptr<Check>> in_flight;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (Target& t : targets_) {
      if (std::shared_ptr<Check> check = t.in_flight.lock()) {
        in_flight.push_back(std::move(check));
      }
    }
  }
  // Outside the lock: a cancel may complete the check on this thread.
  for (auto& check : in_flight) check->context.TryCancel();
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
