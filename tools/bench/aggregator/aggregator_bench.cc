// aggregator_bench: the composition engine's own cost (aggregator::Executor)
// against fake upstreams, without any network or gRPC.
//
//   four_steps/timer_1_2_3_5ms  4 independent steps whose calls complete
//       from a timer thread after 1, 2, 3 and 5 ms. Per run: wall time,
//       "added" = wall - 5 ms (the engine's latency over its slowest step),
//       split into dispatch (run start -> slowest call issued), timer
//       lateness (the fake's own wake-up error) and tail (slowest reply ->
//       result delivered); "net" = added - timer lateness (p50, p99);
//       process CPU per run.
//   four_steps/inline  the same plan, every call completed inline inside
//       Call(): the pure engine overhead per run (wall and process CPU).
//   fanout/<completion>/in_flight:N  a list step returning 100 items, a
//       BATCH step (50 keys per call, 2 calls) and an EACH step (16 in
//       flight, 100 calls) joined back by id: 103 upstream calls per run.
//       Fakes answer at once on a pool of 2 threads (pool2) or inline; N
//       runs are kept in flight. Runs/s, upstream calls/s (items_per_second)
//       and process CPU per run.
//   fake_only/<plan>  the fakes alone (every call of one run, inline, no
//       engine): the part of the CPU figures above that is not the engine.
//
// The plans live in bench_plans.proto, compiled at run time with
// compiler::Importer (AGGBENCH_PROTO_DIR, PROTOGATE_PROTO_DIR and
// PROTOBUF_INCLUDE_DIR are compile definitions).
//
// Thread safety: each benchmark owns its channel; the Env is immutable after
// construction.
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "aggregator/executor.h"
#include "aggregator/plan_compiler.h"
#include "benchmark/benchmark.h"
#include "gateway/upstream/channel.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"

namespace protogate::aggregator {
namespace {

using upstream::CallCallback;
using upstream::CallRequest;
using upstream::CallResult;

constexpr int kItems = 100;
constexpr int kFanoutCalls = 1 + 2 + kItems;  // list + BATCH + EACH.
constexpr absl::Duration kSlowest = absl::Milliseconds(5);

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "aggregator_bench: %s\n", why.c_str());
  std::abort();
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         1e-9 * static_cast<double>(ts.tv_nsec);
}

// The q-quantile (0..1) of `v` (reordered), nearest rank.
double Quantile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  size_t k = static_cast<size_t>(q * static_cast<double>(v.size()));
  k = std::min(k, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k),
                   v.end());
  return v[k];
}

// Canned responses: method -> request payload -> result. Immutable once
// built, so lookups need no lock.
class Responses {
 public:
  void Add(const std::string& method, std::string request,
           std::string response) {
    table_[method][std::move(request)] = std::move(response);
  }

  CallResult Lookup(const CallRequest& request) const {
    CallResult result;
    auto m = table_.find(request.method);
    if (m == table_.end()) {
      result.status = absl::UnimplementedError(request.method);
      return result;
    }
    auto r = m->second.find(request.payload);
    if (r == m->second.end()) {
      result.status = absl::NotFoundError("unexpected request");
      return result;
    }
    result.payload = r->second;
    return result;
  }

  // Every canned (method, request) pair: one run's calls.
  std::vector<CallRequest> Requests() const {
    std::vector<CallRequest> out;
    for (const auto& [method, by_request] : table_) {
      for (const auto& [request, response] : by_request) {
        CallRequest r;
        r.method = method;
        r.payload = request;
        out.push_back(std::move(r));
      }
    }
    return out;
  }

 private:
  std::map<std::string, absl::flat_hash_map<std::string, std::string>> table_;
};

// Completes every call inside Call().
class InlineChannel : public upstream::Channel {
 public:
  explicit InlineChannel(const Responses& responses) : responses_(responses) {}
  void Call(CallRequest request, CallCallback done) override {
    std::move(done)(responses_.Lookup(request));
  }

 private:
  const Responses& responses_;
};

// Completes each call from one timer thread once its method's delay has
// passed. Records the due and actual completion time of the latest call it
// completed (read after a run: the slowest step's call).
class TimerChannel : public upstream::Channel {
 public:
  TimerChannel(const Responses& responses,
               std::map<std::string, absl::Duration> delays)
      : responses_(responses),
        delays_(std::move(delays)),
        thread_([this] { Loop(); }) {}
  ~TimerChannel() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.Signal();
    }
    thread_.join();
  }

  void Call(CallRequest request, CallCallback done) override {
    auto d = delays_.find(request.method);
    const absl::Duration delay =
        d == delays_.end() ? absl::ZeroDuration() : d->second;
    Timer timer{absl::Now() + delay, 0, responses_.Lookup(request),
                std::move(done)};
    absl::MutexLock lock(&mu_);
    timer.seq = next_seq_++;
    const bool earliest = heap_.empty() || timer.due < heap_.front().due;
    heap_.push_back(std::move(timer));
    std::push_heap(heap_.begin(), heap_.end(), Later);
    if (earliest) cv_.Signal();
  }

  absl::Time last_due() const {
    return absl::FromUnixNanos(last_due_ns_.load(std::memory_order_relaxed));
  }
  absl::Time last_fired() const {
    return absl::FromUnixNanos(last_fired_ns_.load(std::memory_order_relaxed));
  }

 private:
  struct Timer {
    absl::Time due;
    uint64_t seq;
    CallResult result;
    CallCallback done;
  };
  // Heap order: the earliest due time (then the first issued) on top.
  static bool Later(const Timer& a, const Timer& b) {
    return a.due != b.due ? a.due > b.due : a.seq > b.seq;
  }

  void Loop() {
    // The default 50 us timer slack would be the fake's error, not the
    // engine's: ask for precise wake-ups.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    absl::MutexLock lock(&mu_);
    while (!stopping_) {
      if (heap_.empty()) {
        cv_.Wait(&mu_);
        continue;
      }
      const absl::Time now = absl::Now();
      if (heap_.front().due > now) {
        cv_.WaitWithDeadline(&mu_, heap_.front().due);
        continue;
      }
      std::pop_heap(heap_.begin(), heap_.end(), Later);
      Timer timer = std::move(heap_.back());
      heap_.pop_back();
      mu_.Unlock();
      last_due_ns_.store(absl::ToUnixNanos(timer.due),
                         std::memory_order_relaxed);
      last_fired_ns_.store(absl::ToUnixNanos(absl::Now()),
                           std::memory_order_relaxed);
      std::move(timer.done)(std::move(timer.result));
      mu_.Lock();
    }
  }

  const Responses& responses_;
  const std::map<std::string, absl::Duration> delays_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<Timer> heap_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> last_due_ns_{0};
  std::atomic<int64_t> last_fired_ns_{0};
  std::thread thread_;
};

// Completes calls at once, in order, on a pool of worker threads.
class PoolChannel : public upstream::Channel {
 public:
  PoolChannel(const Responses& responses, int threads) : responses_(responses) {
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Loop(); });
  }
  ~PoolChannel() override {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      cv_.SignalAll();
    }
    for (std::thread& t : workers_) t.join();
  }

  void Call(CallRequest request, CallCallback done) override {
    Job job{responses_.Lookup(request), std::move(done)};
    absl::MutexLock lock(&mu_);
    queue_.push_back(std::move(job));
    cv_.Signal();
  }

 private:
  struct Job {
    CallResult result;
    CallCallback done;
  };

  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      while (!stopping_ && queue_.empty()) cv_.Wait(&mu_);
      if (stopping_) return;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      mu_.Unlock();
      std::move(job.done)(std::move(job.result));
      mu_.Lock();
    }
  }

  const Responses& responses_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

// Bounds the runs in flight and records when the latest one ended.
class Gate {
 public:
  explicit Gate(int limit) : limit_(limit) {}

  void Acquire() {
    absl::MutexLock lock(&mu_);
    auto room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return in_flight_ < limit_;
    };
    mu_.Await(absl::Condition(&room));
    ++in_flight_;
  }
  void Release(const RunResult& result) {
    const absl::Time now = absl::Now();
    absl::MutexLock lock(&mu_);
    --in_flight_;
    last_end_ = now;
    if (!result.status.ok() && first_error_.ok()) first_error_ = result.status;
  }
  // Waits until no run is in flight; returns when the latest one ended.
  absl::Time Drain() {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return in_flight_ == 0;
    };
    mu_.Await(absl::Condition(&idle));
    return last_end_;
  }
  absl::Status first_error() {
    absl::MutexLock lock(&mu_);
    return first_error_;
  }

 private:
  const int limit_;
  absl::Mutex mu_;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_end_ ABSL_GUARDED_BY(mu_);
  absl::Status first_error_ ABSL_GUARDED_BY(mu_);
};

// The compiled plans, canned responses and requests, built once.
class Env {
 public:
  static const Env& Get() {
    static const Env* env = new Env();
    return *env;
  }

  const CompiledPlan& four_steps() const { return *four_steps_; }
  const CompiledPlan& fanout() const { return *fanout_; }
  const CompiledPlan& four_steps_expr() const { return *four_steps_expr_; }
  const Responses& four_steps_responses() const { return four_responses_; }
  const Responses& fanout_responses() const { return fanout_responses_; }
  const std::string& request() const { return request_; }
  const std::map<std::string, absl::Duration>& delays() const {
    return delays_;
  }

  // An error when `wire` is not the expected response of `plan`.
  std::string Check(const CompiledPlan& plan, const RunResult& r) const {
    if (!r.status.ok()) return r.status.ToString();
    auto m = New(plan.method->output_type()->full_name());
    if (!m->ParseFromString(r.response)) return "response does not parse";
    const std::string text = m->ShortDebugString();
    if (&plan == fanout_.get()) {
      const std::string last = absl::StrCat(
          "items { id: ", kItems, " name: \"item-", kItems,
          "\" detail { id: ", kItems, " title: \"title-", kItems,
          "\" } price { id: ", kItems, " cents: ", kItems * 100, " } }");
      if (text.find(last) == std::string::npos) return "bad fanout: " + text;
      if (r.timings.size() != 3 || r.timings[2].calls != kItems)
        return "unexpected call count";
    } else if (&plan == four_steps_expr_.get() &&
               text.find("c { id: 1 data: \"x-1\" }") == std::string::npos) {
      return "bad four_steps_expr: " + text;
    } else if (text.find("d { id: 1 data:") == std::string::npos) {
      return "bad four_steps: " + text;
    }
    return "";
  }

 private:
  struct Errors : google::protobuf::compiler::MultiFileErrorCollector {
    void AddError(const std::string& file, int line, int column,
                  const std::string& message) override {
      absl::StrAppend(&text, file, ":", line + 1, ":", column + 1, ": ",
                      message, "\n");
    }
    std::string text;
  };

  Env() : importer_(&tree_, &errors_) {
    tree_.MapPath("", PROTOGATE_PROTO_DIR);
    tree_.MapPath("", AGGBENCH_PROTO_DIR);
    tree_.MapPath("", PROTOBUF_INCLUDE_DIR);
    if (importer_.Import("bench_plans.proto") == nullptr) Die(errors_.text);
    factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(
        importer_.pool());
    four_steps_ = Compile("aggbench.BenchGateway.FourSteps");
    fanout_ = Compile("aggbench.BenchGateway.Fanout");
    four_steps_expr_ = Compile("aggbench.BenchGateway.FourStepsExpr");
    request_ = Wire("aggbench.BenchRequest", "id: 1");

    const std::string key1 = Wire("aggbench.Key", "id: 1");
    const std::string blob =
        Wire("aggbench.Blob",
             absl::StrCat("id: 1 data: \"", std::string(64, 'x'), "\""));
    const std::pair<const char*, int> steps[] = {
        {"StepA", 1}, {"StepB", 2}, {"StepC", 3}, {"StepD", 5}};
    for (const auto& [name, ms] : steps) {
      const std::string method = absl::StrCat("/aggbench.Backend/", name);
      four_responses_.Add(method, key1, blob);
      delays_[method] = absl::Milliseconds(ms);
    }

    std::string list;
    for (int i = 1; i <= kItems; ++i)
      absl::StrAppend(&list, "items { id: ", i, " name: \"item-", i, "\" } ");
    fanout_responses_.Add("/aggbench.Backend/ListItems",
                          Wire("aggbench.ListRequest", "id: 1"),
                          Wire("aggbench.ItemList", list));
    for (int first = 1; first <= kItems; first += 50) {
      std::string ids, details;
      for (int i = first; i < first + 50 && i <= kItems; ++i) {
        absl::StrAppend(&ids, "ids: ", i, " ");
        absl::StrAppend(&details, "details { id: ", i, " title: \"title-", i,
                        "\" } ");
      }
      fanout_responses_.Add("/aggbench.Backend/BatchGetDetails",
                            Wire("aggbench.BatchDetailsRequest", ids),
                            Wire("aggbench.BatchDetailsResponse", details));
    }
    for (int i = 1; i <= kItems; ++i) {
      fanout_responses_.Add(
          "/aggbench.Backend/GetPrice",
          Wire("aggbench.Key", absl::StrCat("id: ", i)),
          Wire("aggbench.Price", absl::StrCat("id: ", i, " cents: ", i * 100)));
    }
  }

  std::unique_ptr<const CompiledPlan> Compile(const std::string& name) {
    const auto* method = importer_.pool()->FindMethodByName(name);
    if (method == nullptr) Die("no method " + name);
    auto plan = CompilePlan(*method);
    if (!plan.ok()) Die(plan.status().ToString());
    return *std::move(plan);
  }

  std::unique_ptr<google::protobuf::Message> New(
      const std::string& type) const {
    const auto* d = importer_.pool()->FindMessageTypeByName(type);
    if (d == nullptr) Die("no type " + type);
    return std::unique_ptr<google::protobuf::Message>(
        factory_->GetPrototype(d)->New());
  }

  std::string Wire(const std::string& type, const std::string& text) const {
    auto m = New(type);
    if (!google::protobuf::TextFormat::ParseFromString(text, m.get()))
      Die(type + ": " + text);
    return m->SerializeAsString();
  }

  google::protobuf::compiler::DiskSourceTree tree_;
  Errors errors_;
  google::protobuf::compiler::Importer importer_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<const CompiledPlan> four_steps_;
  std::unique_ptr<const CompiledPlan> fanout_;
  std::unique_ptr<const CompiledPlan> four_steps_expr_;
  Responses four_responses_;
  Responses fanout_responses_;
  std::map<std::string, absl::Duration> delays_;
  std::string request_;
};

RunOptions OptionsFor(upstream::Channel* channel) {
  RunOptions options;
  options.resolver = [channel](const google::protobuf::ServiceDescriptor&) {
    return channel;
  };
  return options;
}

// One run, waited for; an error text when its result is wrong.
std::string CheckOneRun(const CompiledPlan& plan, upstream::Channel* channel,
                        Gate& gate) {
  const Env& env = Env::Get();
  RunResult result;
  gate.Acquire();
  Executor().Run(plan, env.request(), OptionsFor(channel),
                 [&gate, &result](RunResult r) {
                   result = r;
                   gate.Release(r);
                 });
  gate.Drain();
  return env.Check(plan, result);
}

// four_steps: wall time per run (manual time), "added" latency over the
// slowest step and its parts, process CPU per run.
// `gate` (limit 1) must outlive `channel`, whose threads may still be
// leaving Gate::Release when a run has been waited for.
void RunFourSteps(benchmark::State& state, Gate& gate,
                  upstream::Channel* channel, TimerChannel* timer,
                  const CompiledPlan* plan = nullptr) {
  const Env& env = Env::Get();
  if (plan == nullptr) plan = &env.four_steps();
  if (std::string err = CheckOneRun(*plan, channel, gate); !err.empty())
    return state.SkipWithError(err.c_str());
  const Executor executor;
  const RunOptions options = OptionsFor(channel);
  const absl::Duration slowest = timer ? kSlowest : absl::ZeroDuration();
  std::vector<double> wall_us, added_us, dispatch_us, late_us, tail_us, net_us;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    gate.Acquire();
    const absl::Time start = absl::Now();
    executor.Run(*plan, env.request(), options,
                 [&gate](RunResult r) { gate.Release(r); });
    const absl::Time end = gate.Drain();
    const absl::Duration wall = end - start;
    state.SetIterationTime(absl::ToDoubleSeconds(wall));
    wall_us.push_back(absl::ToDoubleMicroseconds(wall));
    added_us.push_back(absl::ToDoubleMicroseconds(wall - slowest));
    if (timer != nullptr) {
      // The slowest call was issued at due - 5 ms and completed at fired.
      dispatch_us.push_back(
          absl::ToDoubleMicroseconds(timer->last_due() - slowest - start));
      late_us.push_back(
          absl::ToDoubleMicroseconds(timer->last_fired() - timer->last_due()));
      tail_us.push_back(absl::ToDoubleMicroseconds(end - timer->last_fired()));
      net_us.push_back(absl::ToDoubleMicroseconds(
          wall - slowest - (timer->last_fired() - timer->last_due())));
    }
  }
  const double cpu = ProcessCpuSeconds() - cpu0;
  if (absl::Status st = gate.first_error(); !st.ok())
    return state.SkipWithError(st.ToString().c_str());
  const double runs = static_cast<double>(state.iterations());
  state.counters["cpu_us_per_run"] = 1e6 * cpu / runs;
  state.counters["wall_p50_us"] = Quantile(wall_us, 0.50);
  state.counters["added_p50_us"] = Quantile(added_us, 0.50);
  state.counters["added_p99_us"] = Quantile(added_us, 0.99);
  if (timer != nullptr) {
    state.counters["dispatch_p50_us"] = Quantile(dispatch_us, 0.50);
    state.counters["timer_late_p50_us"] = Quantile(late_us, 0.50);
    state.counters["tail_p50_us"] = Quantile(tail_us, 0.50);
    state.counters["net_p50_us"] = Quantile(net_us, 0.50);
    state.counters["net_p99_us"] = Quantile(net_us, 0.99);
  }
}

void BM_FourStepsTimer(benchmark::State& state) {
  const Env& env = Env::Get();
  Gate gate(1);
  TimerChannel channel(env.four_steps_responses(), env.delays());
  RunFourSteps(state, gate, &channel, &channel);
}
BENCHMARK(BM_FourStepsTimer)
    ->Name("four_steps/timer_1_2_3_5ms")
    ->UseManualTime()
    ->Iterations(600)
    ->Unit(benchmark::kMicrosecond);

void BM_FourStepsInline(benchmark::State& state) {
  Gate gate(1);
  InlineChannel channel(Env::Get().four_steps_responses());
  RunFourSteps(state, gate, &channel, nullptr);
}
BENCHMARK(BM_FourStepsInline)
    ->Name("four_steps/inline")
    ->UseManualTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMicrosecond);

// four_steps_expr/inline: FourSteps with 10 CEL expressions, inline fakes.
void BM_FourStepsExprInline(benchmark::State& state) {
  Gate gate(1);
  InlineChannel channel(Env::Get().four_steps_responses());
  RunFourSteps(state, gate, &channel, nullptr, &Env::Get().four_steps_expr());
}
BENCHMARK(BM_FourStepsExprInline)
    ->Name("four_steps_expr/inline")
    ->UseManualTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMicrosecond);

// fanout: runs/s and upstream calls/s with `in_flight` runs outstanding.
// `gate` (limit: the runs in flight) must outlive `channel`.
void RunFanout(benchmark::State& state, Gate& gate,
               upstream::Channel* channel) {
  const Env& env = Env::Get();
  if (std::string err = CheckOneRun(env.fanout(), channel, gate); !err.empty())
    return state.SkipWithError(err.c_str());
  const Executor executor;
  const RunOptions options = OptionsFor(channel);
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    gate.Acquire();
    executor.Run(env.fanout(), env.request(), options,
                 [&gate](RunResult r) { gate.Release(r); });
  }
  gate.Drain();
  const double cpu = ProcessCpuSeconds() - cpu0;
  if (absl::Status st = gate.first_error(); !st.ok())
    return state.SkipWithError(st.ToString().c_str());
  const auto runs = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * kFanoutCalls);
  state.counters["runs_per_s"] =
      benchmark::Counter(runs, benchmark::Counter::kIsRate);
  state.counters["cpu_us_per_run"] = 1e6 * cpu / runs;
}

void BM_FanoutPool(benchmark::State& state) {
  Gate gate(static_cast<int>(state.range(0)));
  PoolChannel channel(Env::Get().fanout_responses(), 2);
  RunFanout(state, gate, &channel);
}
BENCHMARK(BM_FanoutPool)
    ->Name("fanout/pool2")
    ->ArgName("in_flight")
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMicrosecond);

void BM_FanoutInline(benchmark::State& state) {
  Gate gate(static_cast<int>(state.range(0)));
  InlineChannel channel(Env::Get().fanout_responses());
  RunFanout(state, gate, &channel);
}
BENCHMARK(BM_FanoutInline)
    ->Name("fanout/inline")
    ->ArgName("in_flight")
    ->Arg(1)
    ->UseRealTime()
    ->MinTime(1.0)
    ->Unit(benchmark::kMicrosecond);

// fake_only: one run's calls straight to the inline fake, no engine.
void RunFakeOnly(benchmark::State& state, const Responses& responses) {
  InlineChannel channel(responses);
  const std::vector<CallRequest> requests = responses.Requests();
  int64_t ok = 0;
  const double cpu0 = ProcessCpuSeconds();
  for (auto _ : state) {
    for (const CallRequest& r : requests) {
      channel.Call(r, [&ok](CallResult result) { ok += result.status.ok(); });
    }
  }
  const double cpu = ProcessCpuSeconds() - cpu0;
  benchmark::DoNotOptimize(ok);
  state.counters["cpu_us_per_run"] =
      1e6 * cpu / static_cast<double>(state.iterations());
}

void BM_FakeOnlyFourSteps(benchmark::State& state) {
  RunFakeOnly(state, Env::Get().four_steps_responses());
}
BENCHMARK(BM_FakeOnlyFourSteps)
    ->Name("fake_only/four_steps")
    ->Unit(benchmark::kMicrosecond);

void BM_FakeOnlyFanout(benchmark::State& state) {
  RunFakeOnly(state, Env::Get().fanout_responses());
}
BENCHMARK(BM_FakeOnlyFanout)
    ->Name("fake_only/fanout")
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace protogate::aggregator

int main(int argc, char** argv) {
  // As gateway/server/main.cc: Debian's Abseil would otherwise check every
  // Mutex acquisition (the engine's and the fakes') for lock-order cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::AddCustomContext("mutex_deadlock_detection", "off");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
