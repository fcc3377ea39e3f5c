// RunState: the state machine of one Executor run. Internal to aggregator/.
//
// Each step goes kWaiting -> kRunning -> kDone; the run goes kRunning ->
// kFinished once (all steps done, or a REQUIRED failure / deadline). Work
// decided under the mutex (sending calls, invoking `done`) is collected as
// Actions and performed after unlocking, since a channel may complete a call
// inline.
//
// Thread safety: all members are guarded by mu_; callbacks from channels
// hold a shared_ptr to the state.
// Ownership: see Executor; values (messages) are released at Finish.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "aggregator/executor.h"
#include "aggregator/run_values.h"

namespace protogate::aggregator {

class RunState : public std::enable_shared_from_this<RunState> {
 public:
  RunState(const CompiledPlan& plan, RunOptions options, RunCallback done);
  // Parses the request and starts the steps without dependencies.
  void Start(std::string request_wire);

 private:
  // Most runs queue fewer than 8 actions between two unlocks.
  using Actions = absl::InlinedVector<absl::AnyInvocable<void()>, 8>;
  enum class State { kRunning, kFinished };
  enum class Phase { kWaiting, kRunning, kDone };

  struct Unit {
    upstream::CallRequest request;
    std::vector<std::string> keys;  // Fan-out keys this call covers.
    absl::Status bindings;          // Not OK: an expression binding failed.
  };
  struct StepRun {
    Phase phase = Phase::kWaiting;
    std::vector<Unit> units;
    int next_unit = 0;
    int in_flight = 0;
    int remaining = 0;
    bool failed = false;
    bool used_fallback = false;
    StepTiming timing;
  };
  struct MemoEntry {
    bool done = false;
    int retries_left = 0;
    int owner = 0;  // Step counted for the calls.
    upstream::Channel* channel = nullptr;
    absl::Time deadline;
    upstream::CallRequest request;  // Moved into the last call sent.
    upstream::CallResult result;
    std::vector<std::pair<int, int>> waiters;  // (step, unit).
  };

  static void Perform(Actions& actions);
  void StartReady(Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartStep(int s, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool ShouldSkip(int s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PlanUnits(int s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PlanFanOut(int s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Unit MakeUnit(int s, const Value* item, const std::vector<Value>* batch_keys)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void LaunchUnits(int s, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IssueCall(int s, int u, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Send(MemoEntry& entry, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `entry` is only dereferenced while the run is kRunning (memo_ keeps it
  // until Finish).
  void OnCallDone(MemoEntry* entry, upstream::CallResult result, CallRole role);
  void OnUnitDone(int s, int u, const upstream::CallResult& result,
                  Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status StoreResult(int s, int u, const upstream::CallResult& result)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnUnitFailed(int s, int u, const absl::Status& status, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnStepFailed(int s, const absl::Status& status, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CompleteStep(int s, StepOutcome outcome, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishOk(Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish(RunResult result, Actions& actions)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues the on_step_done hook for step `s`, whose timing is final.
  void ReportStep(int s, Actions& actions) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CompiledPlan& plan_;
  const absl::Time deadline_;
  upstream::Metadata headers_;
  const upstream::Metadata identity_;
  std::function<upstream::Channel*(const google::protobuf::ServiceDescriptor&)>
      resolver_;
  std::function<void(const StepTiming&)> on_step_done_;
  const std::shared_ptr<const FieldSelection> selection_;  // May be null.
  CallCoalescer* const coalescer_;                         // May be null.
  const std::string request_id_;
  std::atomic<bool> cancelled_{false};
  // Cancels the calls still in flight when the run finishes early (a
  // REQUIRED step failed, or the deadline passed).
  const std::shared_ptr<upstream::CallCanceller> canceller_ =
      std::make_shared<upstream::CallCanceller>();

  absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kRunning;
  RunCallback done_ ABSL_GUARDED_BY(mu_);
  RunValues values_ ABSL_GUARDED_BY(mu_);
  std::vector<StepRun> runs_ ABSL_GUARDED_BY(mu_);
  int steps_left_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_sent_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<StepFailure> failures_ ABSL_GUARDED_BY(mu_);
  upstream::Metadata response_headers_ ABSL_GUARDED_BY(mu_);
  // Node-based: calls in flight point at their entry.
  absl::node_hash_map<std::string, MemoEntry> memo_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::aggregator
