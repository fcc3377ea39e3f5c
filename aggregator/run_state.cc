#include "aggregator/run_state.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "aggregator/wire_merges.h"
#include "gateway/base/logging.h"
#include "google/protobuf/reflection.h"

namespace protogate::aggregator {
namespace {

using google::protobuf::Message;

absl::Time RunDeadline(const CompiledPlan& plan, const RunOptions& options) {
  if (plan.deadline == absl::InfiniteDuration()) return options.deadline;
  return std::min(options.deadline, absl::Now() + plan.deadline);
}

absl::Status InStep(const CompiledStep& step, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("step \"", step.id,
                                                  "\": ", status.message()));
}

absl::Status NotParsed(const CompiledStep& step) {
  return absl::InternalError(absl::StrCat(
      "response does not parse as ", step.method->output_type()->full_name()));
}

std::unique_ptr<Message> Clone(const Message& m) {
  std::unique_ptr<Message> out(m.New());
  out->CopyFrom(m);
  return out;
}

}  // namespace

RunState::RunState(const CompiledPlan& plan, RunOptions options,
                   RunCallback done)
    : plan_(plan),
      deadline_(RunDeadline(plan, options)),
      headers_(std::move(options.headers)),
      identity_(std::move(options.identity)),
      resolver_(std::move(options.resolver)),
      on_step_done_(std::move(options.on_step_done)),
      selection_(std::move(options.selection)),
      coalescer_(options.coalescer),
      request_id_(std::move(options.request_id)),
      done_(std::move(done)) {}

void RunState::Perform(Actions& actions) {
  for (auto& action : actions) std::move(action)();
}

void RunState::Start(std::string request_wire) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    values_.headers = &headers_;
    values_.request.reset(plan_.Prototype(*plan_.method->input_type()).New());
    values_.steps.resize(plan_.steps.size());
    runs_.resize(plan_.steps.size());
    for (size_t i = 0; i < runs_.size(); ++i)
      runs_[i].timing.step = plan_.steps[i].id;
    steps_left_ = static_cast<int>(plan_.steps.size());
    if (!values_.request->ParsePartialFromString(request_wire)) {
      RunResult result;
      result.status = absl::InvalidArgumentError(
          absl::StrCat("request does not parse as ",
                       plan_.method->input_type()->full_name()));
      Finish(std::move(result), actions);
    } else if (steps_left_ == 0) {
      FinishOk(actions);
    } else {
      StartReady(actions);
    }
  }
  Perform(actions);
}

void RunState::StartReady(Actions& actions) {
  for (size_t s = 0; s < runs_.size() && state_ == State::kRunning; ++s) {
    if (runs_[s].phase != Phase::kWaiting) continue;
    const auto& deps = plan_.steps[s].deps;
    if (std::all_of(deps.begin(), deps.end(),
                    [&](int d) { return runs_[d].phase == Phase::kDone; })) {
      StartStep(static_cast<int>(s), actions);
    }
  }
}

bool RunState::ShouldSkip(int s) {
  const CompiledStep& step = plan_.steps[s];
  for (int d : step.deps) {
    const StepOutcome o = runs_[d].timing.outcome;
    if (o == StepOutcome::kSkipped || o == StepOutcome::kFailed) return true;
  }
  return !WhenHolds(step, values_);
}

void RunState::StartStep(int s, Actions& actions) {
  StepRun& run = runs_[s];
  run.phase = Phase::kRunning;
  run.timing.start = absl::Now();
  if ((selection_ != nullptr && !selection_->RunsStep(s)) || ShouldSkip(s)) {
    return CompleteStep(s, StepOutcome::kSkipped, actions);
  }
  if (run.timing.start >= deadline_) {
    return OnStepFailed(s, absl::DeadlineExceededError("run deadline passed"),
                        actions);
  }
  absl::Status planned = PlanUnits(s);
  if (!planned.ok()) return OnStepFailed(s, planned, actions);
  run.remaining = static_cast<int>(run.units.size());
  if (run.units.empty()) return CompleteStep(s, StepOutcome::kOk, actions);
  LaunchUnits(s, actions);
}

RunState::Unit RunState::MakeUnit(int s, const Value* item,
                                  const std::vector<Value>* batch_keys) {
  const CompiledStep& step = plan_.steps[s];
  Unit unit;
  unit.request.method = step.rpc_path;
  if (step.wire_request) {  // A plain step: no item, no batch keys.
    AppendWireRequest(step, values_, &unit.request.payload);
  } else {
    std::unique_ptr<Message> request(
        plan_.Prototype(*step.method->input_type()).New());
    unit.bindings = ApplyBindings(step, values_, item, request.get());
    if (batch_keys != nullptr) {
      const FieldPath to{step.for_each->batch_request_field};
      for (const Value& key : *batch_keys) {
        Write(key, request.get(), to, WriteMode::kAppend);
      }
    }
    request->SerializePartialToString(&unit.request.payload);
  }
  for (const std::string& name : step.propagate_headers) {
    for (const auto& header : headers_) {
      if (header.first == name) unit.request.metadata.push_back(header);
    }
  }
  unit.request.metadata.insert(unit.request.metadata.end(), identity_.begin(),
                               identity_.end());
  return unit;
}

absl::Status RunState::PlanUnits(int s) {
  if (!plan_.steps[s].for_each.has_value()) {
    runs_[s].units.push_back(MakeUnit(s, nullptr, nullptr));
    return absl::OkStatus();
  }
  return PlanFanOut(s);
}

absl::Status RunState::PlanFanOut(int s) {
  const CompiledForEach& fe = *plan_.steps[s].for_each;
  std::vector<Value> elements;
  absl::Status collected = FanOutElements(fe, values_, &elements);
  if (!collected.ok()) return collected;
  StepValues& out = values_.steps[s];
  std::vector<Value> items;  // First element of each distinct key.
  absl::flat_hash_set<std::string> seen;
  for (const Value& item : elements) {
    std::string key = KeyOf(item, fe.key);
    if (!seen.insert(key).second) continue;
    out.keys.push_back(std::move(key));
    items.push_back(item);
  }
  if (static_cast<int>(out.keys.size()) > fe.total_items) {
    return absl::ResourceExhaustedError(
        absl::StrCat("for_each over \"", fe.over.text, "\" has ",
                     out.keys.size(), " distinct items; ",
                     fe.parent < 0 ? "max_items is " : "the nested limit is ",
                     fe.total_items));
  }
  std::vector<Unit>& units = runs_[s].units;
  if (fe.mode == v1::ForEach::EACH) {
    for (size_t i = 0; i < items.size(); ++i) {
      units.push_back(MakeUnit(s, &items[i], nullptr));
      units.back().keys.push_back(out.keys[i]);
    }
    return absl::OkStatus();
  }
  for (size_t first = 0; first < items.size(); first += fe.max_batch) {
    const size_t last = std::min(items.size(), first + fe.max_batch);
    std::vector<Value> keys;
    for (size_t i = first; i < last; ++i)
      keys.push_back(ResolveFrom(items[i], fe.key[0]));  // BATCH: one path.
    units.push_back(MakeUnit(s, nullptr, &keys));
    units.back().keys.assign(out.keys.begin() + first, out.keys.begin() + last);
  }
  return absl::OkStatus();
}

void RunState::LaunchUnits(int s, Actions& actions) {
  StepRun& run = runs_[s];
  const auto& fe = plan_.steps[s].for_each;
  const int cap = fe.has_value() ? fe->max_concurrency : 0;
  while (state_ == State::kRunning && run.phase == Phase::kRunning &&
         run.next_unit < static_cast<int>(run.units.size()) &&
         (cap == 0 || run.in_flight < cap)) {
    ++run.in_flight;
    IssueCall(s, run.next_unit++, actions);
  }
}

void RunState::IssueCall(int s, int u, Actions& actions) {
  const CompiledStep& step = plan_.steps[s];
  Unit& unit = runs_[s].units[u];
  const absl::Time now = absl::Now();
  if (now >= deadline_) {
    return OnUnitDone(
        s, u, {absl::DeadlineExceededError("run deadline passed")}, actions);
  }
  if (!unit.bindings.ok()) return OnUnitDone(s, u, {unit.bindings}, actions);
  std::string key =
      absl::StrCat(unit.request.method, "\n", unit.request.payload);
  auto [it, inserted] = memo_.try_emplace(key);
  MemoEntry& entry = it->second;
  if (!inserted) {
    ++runs_[s].timing.memo_hits;
    if (!entry.done) {
      entry.waiters.emplace_back(s, u);
      return;
    }
    return OnUnitDone(s, u, upstream::CallResult(entry.result), actions);
  }
  entry.channel = resolver_ ? resolver_(*step.method->service()) : nullptr;
  if (entry.channel == nullptr) {
    memo_.erase(it);
    return OnUnitDone(
        s, u,
        {absl::UnavailableError(absl::StrCat(
            "no upstream for service ", step.method->service()->full_name()))},
        actions);
  }
  entry.owner = s;
  entry.retries_left = step.max_retries;
  entry.deadline = step.timeout == absl::InfiniteDuration()
                       ? deadline_
                       : std::min(deadline_, now + step.timeout);
  entry.request = std::move(unit.request);
  entry.request.canceller = canceller_;
  entry.request.deadline = entry.deadline;
  entry.waiters.emplace_back(s, u);
  Send(entry, actions);
}

void RunState::Send(MemoEntry& entry, Actions& actions) {
  if (calls_sent_ >= plan_.max_total_calls) {
    upstream::CallResult limit{absl::ResourceExhaustedError(
        absl::StrCat("max_total_calls ", plan_.max_total_calls, " reached"))};
    entry.done = true;
    entry.result = limit;
    auto waiters = std::move(entry.waiters);
    for (auto [s, u] : waiters) OnUnitDone(s, u, limit, actions);
    return;
  }
  ++calls_sent_;
  ++runs_[entry.owner].timing.calls;
  CallCoalescer* coalescer =
      plan_.steps[entry.owner].coalesce ? coalescer_ : nullptr;
  // The last attempt takes the request; a retry needs it again.
  upstream::CallRequest request =
      entry.retries_left > 0 ? entry.request : std::move(entry.request);
  actions.push_back([self = shared_from_this(), channel = entry.channel,
                     request = std::move(request), entry = &entry,
                     coalescer]() mutable {
    if (self->cancelled_.load()) return;
    if (coalescer != nullptr) {
      coalescer->Call(
          *channel, std::move(request),
          [self, entry](upstream::CallResult result, CallRole role) mutable {
            self->OnCallDone(entry, std::move(result), role);
          });
      return;
    }
    channel->Call(std::move(request),
                  [self, entry](upstream::CallResult result) mutable {
                    self->OnCallDone(entry, std::move(result), CallRole::kSent);
                  });
  });
}

void RunState::OnCallDone(MemoEntry* entry, upstream::CallResult result,
                          CallRole role) {
  Actions actions;
  {
    absl::MutexLock lock(&mu_);
    if (state_ != State::kRunning) return;  // Abandoned call.
    if (role == CallRole::kJoined) ++runs_[entry->owner].timing.coalesced;
    if (absl::IsUnavailable(result.status) && entry->retries_left > 0 &&
        absl::Now() < entry->deadline) {
      --entry->retries_left;
      Send(*entry, actions);
    } else {
      entry->done = true;
      entry->result = std::move(result);
      auto waiters = std::move(entry->waiters);
      for (auto [s, u] : waiters) {
        OnUnitDone(s, u, entry->result, actions);
        if (state_ != State::kRunning) break;
      }
    }
  }
  Perform(actions);
}

void RunState::OnUnitDone(int s, int u, const upstream::CallResult& result,
                          Actions& actions) {
  if (state_ != State::kRunning) return;
  StepRun& run = runs_[s];
  --run.in_flight;
  --run.remaining;
  absl::Status st =
      result.status.ok() ? StoreResult(s, u, result) : result.status;
  if (!st.ok()) {
    OnUnitFailed(s, u, st, actions);
    if (state_ != State::kRunning) return;
  }
  if (run.remaining == 0) {
    StepOutcome outcome = run.failed          ? StepOutcome::kFailed
                          : run.used_fallback ? StepOutcome::kFallback
                                              : StepOutcome::kOk;
    return CompleteStep(s, outcome, actions);
  }
  LaunchUnits(s, actions);
}

absl::Status RunState::StoreResult(int s, int u,
                                   const upstream::CallResult& result) {
  const CompiledStep& step = plan_.steps[s];
  for (const std::string& name : step.response_headers) {
    for (const auto& h : result.headers) {
      if (h.first == name) response_headers_.push_back(h);
    }
  }
  const bool parse = step.parses_response || selection_ != nullptr;
  if (!parse && !WellFormedFields(result.payload)) return NotParsed(step);
  if (step.keeps_wire) {
    values_.steps[s].wire = result.payload;
    values_.steps[s].has_wire = true;
  }
  if (!parse) return absl::OkStatus();
  std::unique_ptr<Message> response(
      plan_.Prototype(*step.method->output_type()).New());
  if (!response->ParsePartialFromString(result.payload)) {
    return NotParsed(step);
  }
  StepValues& out = values_.steps[s];
  const Unit& unit = runs_[s].units[u];
  if (!step.for_each.has_value()) {
    out.response = std::move(response);
  } else if (step.for_each->mode == v1::ForEach::EACH) {
    out.results[unit.keys.front()] = std::move(response);
  } else {
    const CompiledForEach& fe = *step.for_each;
    const absl::flat_hash_set<std::string> wanted(unit.keys.begin(),
                                                  unit.keys.end());
    Value list = Resolve(*response, FieldPath{fe.batch_response_list});
    for (int i = 0; i < ListSize(list); ++i) {
      Value element = Element(list, i);
      std::string key = KeyOf(ResolveFrom(element, fe.batch_response_key));
      if (!wanted.contains(key) || out.results.contains(key)) continue;
      out.results[key] = Clone(response->GetReflection()->GetRepeatedMessage(
          *response, fe.batch_response_list, i));
    }
  }
  return absl::OkStatus();
}

void RunState::OnUnitFailed(int s, int u, const absl::Status& status,
                            Actions& actions) {
  const CompiledStep& step = plan_.steps[s];
  StepRun& run = runs_[s];
  switch (step.criticality) {
    case v1::OPTIONAL:
      if (!run.failed) {
        PG_LOG(kWarning) << "plan step \"" << step.id << "\" failed"
                         << (request_id_.empty() ? "" : " in request ")
                         << request_id_ << ": " << status.ToString();
      }
      if (step.for_each.has_value() && u < static_cast<int>(run.units.size())) {
        for (const std::string& key : run.units[u].keys) {
          failures_.push_back({step.id, status, key});
        }
      } else if (!run.failed) {
        failures_.push_back({step.id, status});
      }
      run.failed = true;
      return;
    case v1::FALLBACK: {
      run.used_fallback = true;
      StepValues& out = values_.steps[s];
      if (!step.for_each.has_value()) {
        out.response = Clone(*step.fallback);
        return;
      }
      for (const std::string& key : run.units[u].keys) {
        out.results[key] = Clone(*step.fallback);
      }
      return;
    }
    default:
      run.timing.outcome = StepOutcome::kFailed;
      run.timing.end = absl::Now();
      ReportStep(s, actions);
      RunResult result;
      result.status = InStep(step, status);
      return Finish(std::move(result), actions);
  }
}

// A failure before any call (deadline, max_items).
void RunState::OnStepFailed(int s, const absl::Status& status,
                            Actions& actions) {
  const CompiledStep& step = plan_.steps[s];
  if (step.criticality == v1::REQUIRED)
    return OnUnitFailed(s, 0, status, actions);
  if (step.criticality == v1::OPTIONAL) {
    OnUnitFailed(s, 0, status, actions);
    return CompleteStep(s, StepOutcome::kFailed, actions);
  }
  runs_[s].used_fallback = true;
  if (!step.for_each.has_value())
    values_.steps[s].response = Clone(*step.fallback);
  CompleteStep(s, StepOutcome::kFallback, actions);
}

void RunState::ReportStep(int s, Actions& actions) {
  if (!on_step_done_) return;
  // on_step_done_ is const and outlives the actions: whoever performs them
  // holds the run.
  actions.push_back(
      [hook = &on_step_done_, timing = runs_[s].timing] { (*hook)(timing); });
}

void RunState::CompleteStep(int s, StepOutcome outcome, Actions& actions) {
  StepRun& run = runs_[s];
  run.phase = Phase::kDone;
  run.timing.outcome = outcome;
  run.timing.end = absl::Now();
  ReportStep(s, actions);
  if (--steps_left_ == 0) return FinishOk(actions);
  for (int d : plan_.steps[s].dependents) {
    if (state_ != State::kRunning || runs_[d].phase != Phase::kWaiting)
      continue;
    const auto& deps = plan_.steps[d].deps;
    if (std::all_of(deps.begin(), deps.end(),
                    [&](int x) { return runs_[x].phase == Phase::kDone; })) {
      StartStep(d, actions);
    }
  }
}

void RunState::FinishOk(Actions& actions) {
  RunResult result;
  result.headers = std::move(response_headers_);
  const bool wire = selection_ == nullptr && !plan_.wire_merges.empty();
  if (!wire || plan_.wire_merges.size() < plan_.merges.size() ||
      !failures_.empty()) {
    std::unique_ptr<Message> response(
        plan_.Prototype(*plan_.method->output_type()).New());
    ApplyMerges(plan_, values_, selection_.get(),
                wire ? MergeSet::kReflectionOnly : MergeSet::kAll,
                response.get());
    LocateFailures(plan_, *response, failures_);
    ReportFailures(plan_, failures_, response.get(), &result.headers);
    if (selection_ != nullptr) selection_->Trim(response.get());
    response->SerializePartialToString(&result.response);
  }
  if (wire) AppendWireMerges(plan_, values_, &result.response);
  Finish(std::move(result), actions);
}

void RunState::Finish(RunResult result, Actions& actions) {
  state_ = State::kFinished;
  cancelled_.store(true);
  result.timings.reserve(runs_.size());
  for (StepRun& run : runs_) {
    if (run.phase == Phase::kRunning &&
        run.timing.outcome == StepOutcome::kNotRun) {
      run.timing.outcome = StepOutcome::kRunning;
    }
    result.timings.push_back(run.timing);
  }
  result.failures = std::move(failures_);
  values_ = RunValues();  // Messages must not outlive the plan.
  runs_.clear();
  memo_.clear();
  actions.push_back([canceller = canceller_] { canceller->Cancel(); });
  actions.push_back(
      [done = std::move(done_), result = std::move(result)]() mutable {
        std::move(done)(std::move(result));
      });
}

}  // namespace protogate::aggregator
