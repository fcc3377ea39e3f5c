#!/usr/bin/env bash
# The cost of telemetry on the GET path: CPU µs per request of protogate with
# metrics + access log + tracing (sample_ratio 0.01, spans to an OTLP endpoint)
# next to all of them off (metrics: {enabled: false}, no access log, no
# tracing), same binary, same backend, runs interleaved (off, on, off, on...).
#
#   bash tools/bench/observability.sh                  # 5 runs x 10 s per mode
#   DURATION=3 REPEAT=3 bash tools/bench/observability.sh
#
#   MODES="off metrics log trace propagate on" bash tools/bench/observability.sh  # each part alone
#   CONCURRENT=1 REPEAT=10 bash tools/bench/observability.sh  # the modes at once
#
# Uses the build tree (build/: protogate, demo_bookstore, proto/bookstore.binpb;
# build them first). protogate runs pinned to PG_CPUS with one I/O thread, wrk
# (c=CONNS, 1 thread) on LOADGEN_CPUS. A run measures the modes one after the
# other; with CONCURRENT=1 it runs them at the same time (all gateways on
# PG_CPUS, one wrk each), which cancels most of a shared VM's drift out of
# their ratio. CPU per request = the gateway's
# utime+stime delta (/proc/PID/stat) / requests completed. Spans go to
# OTLP_ENDPOINT (default "backend": the demo backend, which answers Export
# with UNIMPLEMENTED, so spans are built, serialized and sent; a real
# collector is not packaged in Debian). Every process it starts is stopped on
# exit; every wait is bounded.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
DURATION="${DURATION:-10}"
REPEAT="${REPEAT:-5}"
CONNS="${CONNS:-16}"
PG_CPUS="${PG_CPUS:-0}"
LOADGEN_CPUS="${LOADGEN_CPUS:-1}"
# BACKEND_CPUS pins the backend (default: unpinned; pinning it with the
# load generator saturates that CPU on this 2-core machine).
BACKEND_CPUS="${BACKEND_CPUS-}"
OUT="${OUT:-/tmp/protogate-obs-bench/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { printf '[obs-bench] %s\n' "$*" >&2; }

"$REPO/tools/install-deps.sh" wrk >/dev/null  # Idempotent.

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"
demo_binaries "$BUILD"

start_listening backend 30 $(pin_to "$BACKEND_CPUS") "$BACKEND_BIN" --listen 127.0.0.1:0
BACKEND_PORT=$PORT
# OTLP_ENDPOINT=backend: the demo backend (answers Export with UNIMPLEMENTED).
OTLP_ENDPOINT="${OTLP_ENDPOINT:-backend}"
[ "$OTLP_ENDPOINT" = backend ] && OTLP_ENDPOINT="127.0.0.1:$BACKEND_PORT"
# Single parts too, for attributing the cost (MODES="off metrics log trace
# propagate on").
observability_configs "$DESCRIPTORS" "$BACKEND_PORT" "$OTLP_ENDPOINT"
MODES="${MODES:-off on}"

printf 'mode\trun\trequests\trps\tcpu_us_per_req\n' >"$OUT/runs.tsv"

# start_gateway MODE RUN: protogate for MODE pinned to PG_CPUS, answering and
# warmed up; sets GW_PID[MODE] and GW_URL[MODE].
declare -A GW_PID GW_URL GW_TICKS
start_gateway() {
  local mode=$1 run=$2 url
  start_listening "pg-$mode-$run" 30 taskset -c "$PG_CPUS" "$PG_BIN" \
    --config "$OUT/$mode.yaml" --listen 127.0.0.1:0
  url="http://127.0.0.1:$PORT/v1/shelves/1"
  curl -fsS -o /dev/null "$url" || { log "GET $url failed"; exit 1; }
  wrk -t1 -c "$CONNS" -d 1s "$url" >/dev/null  # Warm-up.
  GW_PID[$mode]=$LAST_PID
  GW_URL[$mode]=$url
}

# load MODE RUN: wrk against MODE's gateway for DURATION seconds.
load() {
  taskset -c "$LOADGEN_CPUS" wrk -t1 -c "$CONNS" -d "${DURATION}s" \
    "${GW_URL[$1]}" >"$OUT/wrk-$1-$2.txt"
}

# record MODE RUN: appends MODE's row (CPU since GW_TICKS[MODE]) and stops
# its gateway.
record() {
  local mode=$1 run=$2 pid=${GW_PID[$1]} after requests rps us
  after=$(cpu_ticks "$pid")
  requests=$(awk '/requests in/ {print $1}' "$OUT/wrk-$mode-$run.txt")
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-$mode-$run.txt")
  us=$(awk -v a="$after" -v b="${GW_TICKS[$mode]}" -v t="$TICK" -v n="$requests" \
    'BEGIN {printf "%.2f", (a - b) / t * 1e6 / n}')
  printf '%s\t%s\t%s\t%s\t%s\n' "$mode" "$run" "$requests" "$rps" "$us" >>"$OUT/runs.tsv"
  log "$mode run $run: $requests requests, $rps rps, $us CPU us/req"
  stop_pid "$pid" 10
}

# One run, the modes one after the other.
run_interleaved() {
  local run=$1 mode
  for mode in $MODES; do
    start_gateway "$mode" "$run"
    GW_TICKS[$mode]=$(cpu_ticks "${GW_PID[$mode]}")
    load "$mode" "$run"
    record "$mode" "$run"
  done
}

# One run, the modes at the same time: their gateways share PG_CPUS and each
# has its own wrk, so whatever the machine does in those seconds (other
# guests, frequency, interrupts) falls on all of them alike. The order the
# gateways start in rotates from run to run.
run_concurrent() {
  local run=$1 mode wrk_pids=()
  local -a modes
  read -ra modes <<<"$MODES"
  local shift_by=$(((run - 1) % ${#modes[@]}))
  modes=("${modes[@]:shift_by}" "${modes[@]:0:shift_by}")
  for mode in "${modes[@]}"; do start_gateway "$mode" "$run"; done
  for mode in "${modes[@]}"; do GW_TICKS[$mode]=$(cpu_ticks "${GW_PID[$mode]}"); done
  for mode in "${modes[@]}"; do
    load "$mode" "$run" &
    wrk_pids+=($!)
  done
  wait "${wrk_pids[@]}"
  for mode in "${modes[@]}"; do record "$mode" "$run"; done
}

for run in $(seq 1 "$REPEAT"); do
  if [ "${CONCURRENT:-0}" = 1 ]; then run_concurrent "$run"; else run_interleaved "$run"; fi
done

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
off=$(awk -F'\t' '$1 == "off" {print $5}' "$OUT/runs.tsv" | median)
on=$(awk -F'\t' '$1 == "on" {print $5}' "$OUT/runs.tsv" | median)
{
  echo "| GET /v1/shelves/1 | CPU µs/request (median of $REPEAT) |"
  echo "|---|---|"
  echo "| all off | $off |"
  echo "| metrics + access log + tracing 0.01 | $on |"
  awk -v a="$on" -v b="$off" 'BEGIN {printf "| overhead (ratio of the medians) | %+.1f%% |\n", (a / b - 1) * 100}'
  echo "| overhead (run by run) | $(paired_overhead "$OUT/runs.tsv" off on) |"
} | tee "$OUT/summary.md"
log "results in $OUT"
