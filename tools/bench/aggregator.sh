#!/usr/bin/env bash
# Composition engine cost (aggregator::Executor against in-process fake
# upstreams; tools/bench/aggregator/aggregator_bench.cc):
#   - a 4-step plan whose calls complete after 1, 2, 3 and 5 ms (timer
#     thread): the latency the engine adds over its slowest step (p50, p99)
#     and the process CPU per run; the same plan with fakes completing
#     inline: the pure engine overhead per run;
#   - a 100-item list + BATCH (50/call) + EACH (16 in flight) plan, joined
#     by key (103 upstream calls per run): runs/s and upstream calls/s;
#   - the 4-step plan with 10 CEL expressions (four_steps_expr): CPU per
#     expression against the paths-only plan; and each expression of
#     tools/bench/aggregator/expr_bench.cc alone (ns per evaluation).
#
#   bash tools/bench/aggregator.sh                      # build-aggbench/
#   BUILD_DIR=/tmp/b REPS=5 bash tools/bench/aggregator.sh
#   bash tools/bench/aggregator.sh --benchmark_filter=fanout   # extra flags
#
# Configures a separate Release build with -DPROTOGATE_BUILD_BENCHMARKS=ON
# (and without the test suite, which the benchmark does not need), builds
# aggregator_bench, runs it (--benchmark_repetitions=$REPS, aggregates only)
# and prints the medians of the repetitions as Markdown tables. The raw
# results stay in $BUILD_DIR/aggregator_bench.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${BUILD_DIR:-build-aggbench}
JOBS=${JOBS:-2}
REPS=${REPS:-3}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPROTOGATE_BUILD_BENCHMARKS=ON -DPROTOGATE_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target aggregator_bench >/dev/null

out="$BUILD_DIR/aggregator_bench.json"
"$BUILD_DIR/tools/bench/aggregator/aggregator_bench" \
  --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@" >&2

echo
echo "machine: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%MZ); median of $REPS repetitions; CPU = process CPU time (all threads, fakes included)"
echo
python3 - "$out" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
    results = json.load(f)["benchmarks"]
med = {}
for b in results:
    if b.get("aggregate_name") == "median":
        med[b["run_name"].split("/iterations:")[0].split("/min_time:")[0]] = b


def get(name, key, fmt="{:.1f}"):
    b = med.get(name)
    if b is None or key not in b:
        return "-"
    return fmt.format(b[key])


print("| 4-step plan | wall p50 µs | added p50 µs | added p99 µs | CPU µs/run |"
      " dispatch p50 µs | fake timer late p50 µs | tail p50 µs |"
      " net p50 µs | net p99 µs |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for name, label in (("four_steps/timer_1_2_3_5ms", "timer fakes 1/2/3/5 ms"),
                    ("four_steps/inline", "inline fakes (pure engine)")):
    if name not in med:
        continue
    print(f"| {label} | {get(name, 'wall_p50_us')} | {get(name, 'added_p50_us')}"
          f" | {get(name, 'added_p99_us')} | {get(name, 'cpu_us_per_run')}"
          f" | {get(name, 'dispatch_p50_us')} | {get(name, 'timer_late_p50_us')}"
          f" | {get(name, 'tail_p50_us')} | {get(name, 'net_p50_us')}"
          f" | {get(name, 'net_p99_us')} |")
plain, heavy = med.get("four_steps/inline"), med.get("four_steps_expr/inline")
if plain and heavy:
    print()
    print("| 4-step plan, inline fakes | CPU µs/run | CEL expressions | CPU µs/expression |")
    print("|---|---:|---:|---:|")
    print(f"| paths only (four_steps) | {plain['cpu_us_per_run']:.1f} | 0 | - |")
    print(f"| 10 expressions (four_steps_expr) | {heavy['cpu_us_per_run']:.1f} | 10"
          f" | {(heavy['cpu_us_per_run'] - plain['cpu_us_per_run']) / 10:.2f} |")
exprs = sorted((b for b in med.values() if b["run_name"].startswith("expr/")),
               key=lambda b: int(b["run_name"].split("/")[1]))
if exprs:
    print()
    print("| CEL expression over an aggbench.Item (expr::Program::Eval) | CPU ns/eval |")
    print("|---|---:|")
    for b in exprs:
        label = b.get("label", b["run_name"]).replace("|", "\\|")
        print(f"| `{label}` | {b['cpu_time']:.0f} |")
print()
print("| 100-item BATCH+EACH plan (103 calls/run) | runs/s | upstream calls/s |"
      " CPU µs/run | CPU µs/call |")
print("|---|---:|---:|---:|---:|")
for name, label in (("fanout/pool2/in_flight:1", "pool of 2 threads, 1 run in flight"),
                    ("fanout/pool2/in_flight:8", "pool of 2 threads, 8 runs in flight"),
                    ("fanout/inline/in_flight:1", "inline fakes, 1 run in flight")):
    b = med.get(name)
    if b is None:
        continue
    print(f"| {label} | {b['runs_per_s']:,.0f} | {b['items_per_second']:,.0f}"
          f" | {b['cpu_us_per_run']:.0f} | {b['cpu_us_per_run'] / 103:.2f} |")
print()
print("| fakes alone (one run's calls, inline, no engine) | CPU µs/run |")
print("|---|---:|")
for name in ("fake_only/four_steps", "fake_only/fanout"):
    if name in med:
        print(f"| {name.split('/')[1]} | {get(name, 'cpu_us_per_run', '{:.2f}')} |")
PY
