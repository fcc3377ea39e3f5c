#!/usr/bin/env bash
# Composition engine cost (aggregator::Executor against in-process fake
# upstreams; tools/bench/aggregator/aggregator_bench.cc):
#   - a 4-step plan whose calls complete after 1, 2, 3 and 5 ms (timer
#     thread): the latency the engine adds over its slowest step (p50, p99)
#     and the process CPU per run; the same plan with fakes completing
#     inline: the pure engine overhead per run;
#   - a 100-item list + BATCH (50/call) + EACH (16 in flight) plan, joined
#     by key (103 upstream calls per run): runs/s, upstream calls/s and the
#     engine CPU per upstream call;
#   - the 4-step plan with 10 CEL expressions (four_steps_expr): CPU per
#     expression against the paths-only plan; and each expression of
#     tools/bench/aggregator/expr_bench.cc alone (ns per evaluation).
#
#   bash tools/bench/aggregator.sh                      # build-aggbench/
#   BUILD_DIR=/tmp/b REPS=5 bash tools/bench/aggregator.sh
#   bash tools/bench/aggregator.sh --benchmark_filter=fanout   # extra flags
#   TREE_A=/work/main TREE_B=. bash tools/bench/aggregator.sh   # A/B, same run
#   BIN_A=/a/aggregator_bench BIN_B=/b/aggregator_bench bash tools/bench/aggregator.sh
#
# Configures a separate Release build with -DPROTOGATE_BUILD_BENCHMARKS=ON
# (and without the test suite, which the benchmark does not need), builds
# aggregator_bench, runs it REPS times and prints the medians as Markdown
# tables. A/B: with TREE_A and TREE_B (source trees, each built into its own
# $TREE/build-aggbench) or BIN_A and BIN_B (aggregator_bench binaries), the
# two run alternately, A then B, REPS times each, in one session; each side's
# tables are printed, then the B/A ratio of the figures issue 20 asks not to
# worsen (engine CPU per upstream call, the 4-step plan's added latency and
# CPU). Raw results: $OUT (default $BUILD_DIR/aggregator-results/).
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${BUILD_DIR:-build-aggbench}
JOBS=${JOBS:-2}
REPS=${REPS:-3}
OUT=${OUT:-$BUILD_DIR/aggregator-results}

build_bench() {  # build_bench SOURCE_TREE BUILD_DIR
  cmake -S "$1" -B "$2" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DPROTOGATE_BUILD_BENCHMARKS=ON -DPROTOGATE_BUILD_TESTS=OFF >/dev/null
  cmake --build "$2" -j "$JOBS" --target aggregator_bench >/dev/null
}

if [ -n "${TREE_A:-}${TREE_B:-}" ]; then
  [ -d "${TREE_A:-}" ] && [ -d "${TREE_B:-}" ] || { echo "TREE_A and TREE_B must both be source trees" >&2; exit 1; }
  for t in "$TREE_A" "$TREE_B"; do build_bench "$t" "$t/build-aggbench"; done
  BIN_A="$TREE_A/build-aggbench/tools/bench/aggregator/aggregator_bench"
  BIN_B="$TREE_B/build-aggbench/tools/bench/aggregator/aggregator_bench"
fi
if [ -n "${BIN_A:-}${BIN_B:-}" ]; then
  [ -x "${BIN_A:-}" ] && [ -x "${BIN_B:-}" ] || { echo "BIN_A and BIN_B must both be executables" >&2; exit 1; }
  SIDES=("A=$BIN_A" "B=$BIN_B")
else
  build_bench . "$BUILD_DIR"
  SIDES=("this tree=$BUILD_DIR/tools/bench/aggregator/aggregator_bench")
fi
mkdir -p "$OUT"
rm -f "$OUT"/side*-rep*.json
# One repetition per invocation, the sides alternating, so that drift on a
# shared machine hits both alike.
for rep in $(seq 1 "$REPS"); do
  i=0
  for side in "${SIDES[@]}"; do
    "${side#*=}" --benchmark_out="$OUT/side$i-rep$rep.json" --benchmark_out_format=json "$@" >&2
    i=$((i + 1))
  done
done

echo
echo "machine: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(date -u +%Y-%m-%dT%H:%MZ); median of $REPS runs; CPU = process CPU time (all threads, fakes included)"
labels=()
for side in "${SIDES[@]}"; do labels+=("${side%%=*}: ${side#*=}"); done
python3 - "$OUT" "$REPS" "${labels[@]}" <<'PY'
import json, statistics, sys

out_dir, reps, labels = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


def medians(side):
    """Per benchmark: the median over the runs of every numeric field."""
    runs = {}
    for rep in range(1, reps + 1):
        with open(f"{out_dir}/side{side}-rep{rep}.json") as f:
            for b in json.load(f)["benchmarks"]:
                if b.get("run_type") == "aggregate":
                    continue
                name = b["run_name"].split("/iterations:")[0].split("/min_time:")[0]
                runs.setdefault(name, []).append(b)
    med = {}
    for name, bs in runs.items():
        m = {"run_name": name, "label": bs[0].get("label", name)}
        for key, value in bs[0].items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                m[key] = statistics.median(b[key] for b in bs if key in b)
        med[name] = m
    return med


med = {}
def report(med):
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

sides = [medians(i) for i in range(len(labels))]
for label, m in zip(labels, sides):
    print()
    print(f"### {label}")
    print()
    report(m)
if len(sides) == 2:
    a, b = sides

    def ratio(name, key, scale=1.0):
        if name not in a or name not in b or key not in a[name] or key not in b[name]:
            return None
        return a[name][key] * scale, b[name][key] * scale

    rows = [
        ("engine CPU µs per upstream call, fan-out, pool, 1 in flight",
         ratio("fanout/pool2/in_flight:1", "cpu_us_per_run", 1 / 103)),
        ("engine CPU µs per upstream call, fan-out, inline",
         ratio("fanout/inline/in_flight:1", "cpu_us_per_run", 1 / 103)),
        ("4-step plan, added latency p50 µs (timer fakes)",
         ratio("four_steps/timer_1_2_3_5ms", "added_p50_us")),
        ("4-step plan, net added latency p50 µs (timer fakes)",
         ratio("four_steps/timer_1_2_3_5ms", "net_p50_us")),
        ("4-step plan, added latency p99 µs (timer fakes)",
         ratio("four_steps/timer_1_2_3_5ms", "added_p99_us")),
        ("4-step plan, CPU µs per run (inline fakes)",
         ratio("four_steps/inline", "cpu_us_per_run")),
        ("4-step plan with 10 expressions, CPU µs per run (inline fakes)",
         ratio("four_steps_expr/inline", "cpu_us_per_run")),
    ]
    print()
    print("### B / A (issue 20: not worse than A)")
    print()
    print("| figure | A | B | B/A |")
    print("|---|---:|---:|---:|")
    for label, r in rows:
        if r is None:
            print(f"| {label} | - | - | - |")
        else:
            print(f"| {label} | {r[0]:.2f} | {r[1]:.2f} | {r[1] / r[0]:.2f} |")
PY
