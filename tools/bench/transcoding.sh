#!/usr/bin/env bash
# JSON <-> protobuf transcoding throughput: protogate::transcoding vs
# libprotobuf's util::JsonStringToMessage / MessageToJsonString on the same
# descriptors (tests/bench/transcoding_bench.cc).
#
#   bash tools/bench/transcoding.sh                 # build-bench/, Release
#   BUILD_DIR=/tmp/b REPS=5 bash tools/bench/transcoding.sh
#   bash tools/bench/transcoding.sh --benchmark_filter=record   # extra flags
#
# Configures a separate Release build with -DPROTOGATE_BUILD_BENCHMARKS=ON,
# builds transcoding_bench, runs it (--benchmark_repetitions=$REPS, median
# of the aggregates) and prints a table: payload x direction, ours MB/s,
# libprotobuf MB/s, ratio. MB/s counts the payload's JSON bytes in both
# directions (1 MB = 10^6 bytes). The raw results stay in
# $BUILD_DIR/transcoding_bench.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR=${BUILD_DIR:-build-bench}
JOBS=${JOBS:-2}
REPS=${REPS:-3}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPROTOGATE_BUILD_BENCHMARKS=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target transcoding_bench >/dev/null

out="$BUILD_DIR/transcoding_bench.json"
"$BUILD_DIR/tests/bench/transcoding_bench" \
  --benchmark_repetitions="$REPS" --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json "$@" >&2

echo
echo "machine: $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
echo "median of $REPS repetitions; MB/s of JSON bytes (10^6 B/s)"
echo
python3 - "$out" <<'PY'
import json, sys

with open(sys.argv[1]) as f:
    results = json.load(f)["benchmarks"]
rate = {}
for b in results:
    if b.get("aggregate_name") != "median":
        continue
    direction, payload, impl = b["run_name"].split("/")
    rate[(payload, direction, impl)] = b["bytes_per_second"] / 1e6

payloads = []
for payload, _, _ in rate:
    if payload not in payloads:
        payloads.append(payload)
print("| payload | direction | ours MB/s | libprotobuf MB/s | ratio |")
print("|---|---|---:|---:|---:|")
for payload in payloads:
    for direction in ("json_to_wire", "wire_to_json"):
        ours = rate.get((payload, direction, "ours"))
        lib = rate.get((payload, direction, "libprotobuf"))
        if ours is None or lib is None:
            continue
        print(f"| {payload} | {direction} | {ours:.1f} | {lib:.1f} | "
              f"{ours / lib:.2f}x |")
PY
