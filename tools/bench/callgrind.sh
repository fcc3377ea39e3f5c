#!/usr/bin/env bash
# Instructions per request of protogate's GET path under valgrind's callgrind,
# per telemetry mode (the configs of observability.sh): a count that does not
# move with the load of a shared machine, unlike CPU time.
#
#   bash tools/bench/callgrind.sh                       # off, on; 2000 GETs
#   MODES="off metrics log trace on" REQUESTS=1000 bash tools/bench/callgrind.sh
#
# Each mode: protogate (one I/O thread) starts under callgrind with
# instrumentation off, answers WARMUP GETs (with a span exporter, more until
# the exporter has connected), then instrumentation goes on for exactly
# REQUESTS GETs over one keep-alive connection (tools/bench/keepalive_get.py)
# and the counts are dumped: every thread of the gateway (I/O, access-log
# writer, span exporter, gRPC's) is in the dump, startup is not. The
# exporter's send once a second stays in the count; under valgrind a second
# holds a few hundred GETs, not thousands, so it weighs more per GET than at
# full speed. Writes $OUT/summary.md (Ir per request per mode) and
# $OUT/top-<mode>.txt (callgrind_annotate, inclusive). Every process it starts
# is stopped on exit; every wait is bounded.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REQUESTS="${REQUESTS:-2000}"
WARMUP="${WARMUP:-200}"
MODES="${MODES:-off on}"
GET_PATH="${GET_PATH:-/v1/shelves/1}"
OUT="${OUT:-/tmp/protogate-callgrind/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { printf '[callgrind] %s\n' "$*" >&2; }

# valgrind from Debian (idempotent), as profile.sh adds its tools.
"$REPO/tools/install-deps.sh" valgrind iproute2 >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"
demo_binaries "$BUILD"

start_listening backend 30 "$BACKEND_BIN" --listen 127.0.0.1:0
BACKEND_PORT=$PORT
# The demo backend answers OTLP Export with UNIMPLEMENTED.
observability_configs "$DESCRIPTORS" "$BACKEND_PORT" "127.0.0.1:$BACKEND_PORT"

# Connections process $1 has established to the backend: the upstream
# channel's, and the span exporter's once it has exported.
backend_connections() {
  ss -Htnp state established "( dport = :$BACKEND_PORT )" | grep -c "pid=$1," || true
}

# With a span exporter: more warm-up GETs (at most 50 rounds of 100) until
# the exporter has connected, so that its channel's one-off setup (about
# 1.2M instructions) falls before the measured GETs, not into them.
warm_exporter() {
  local pid=$1 mode=$2
  grep -q otlp "$OUT/$mode.yaml" || return 0
  for _ in $(seq 50); do
    (($(backend_connections "$pid") >= 2)) && return 0
    timeout 300 python3 "$REPO/tools/bench/keepalive_get.py" "$PORT" "$GET_PATH" 100
  done
  log "$mode: the span exporter did not connect during the warm-up"
  exit 1
}

printf '| mode | Ir per GET |\n|---|---|\n' >"$OUT/summary.md"
for mode in $MODES; do
  # LD_BIND_NOW: no lazy symbol binding inside the measured requests.
  # valgrind is slow to start.
  start_listening "pg-$mode" 120 env LD_BIND_NOW=1 valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$OUT/callgrind.$mode" \
    "$PG_BIN" --config "$OUT/$mode.yaml" --listen 127.0.0.1:0
  pid=$LAST_PID
  timeout 300 python3 "$REPO/tools/bench/keepalive_get.py" "$PORT" "$GET_PATH" "$WARMUP"
  warm_exporter "$pid" "$mode"
  timeout 60 callgrind_control -i on "$pid" >/dev/null
  timeout 600 python3 "$REPO/tools/bench/keepalive_get.py" "$PORT" "$GET_PATH" "$REQUESTS"
  timeout 60 callgrind_control --dump="$mode" "$pid" >/dev/null
  stop_pid "$pid" 30
  # The dump made on request (file name suffixed .1); the exit dump is empty.
  dump=""
  for f in "$OUT"/callgrind."$mode"*; do
    if grep -qx "desc: Trigger: dump $mode" "$f" 2>/dev/null; then dump=$f; fi
  done
  [ -n "$dump" ] || { log "$mode: no dump named \"$mode\" in $OUT"; exit 1; }
  total=$(awk '/^summary:/ {print $2}' "$dump")
  per=$(awk -v t="$total" -v n="$REQUESTS" 'BEGIN {printf "%.0f", t / n}')
  printf '| %s | %s |\n' "$mode" "$per" >>"$OUT/summary.md"
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null >"$OUT/top-$mode.txt" || true
  log "$mode: $per Ir per GET ($dump)"
done
cat "$OUT/summary.md"
log "results in $OUT"
