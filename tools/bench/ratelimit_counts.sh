#!/usr/bin/env bash
# Rate-limit overhead in counts that a busy machine does not move: callgrind
# instructions (Ir) and system calls per GET with no policy, one local
# policy and one shared policy (Redis), the cases of ratelimit.sh.
#
#   bash tools/bench/ratelimit_counts.sh                  # 2000 GETs, 16 conns
#   CASES="none shared" REQUESTS=4000 CONNS=1 bash tools/bench/ratelimit_counts.sh
#
# Each case starts protogate (one I/O thread) three times over the same
# backend and redis-server (unix socket): under callgrind (instrumentation
# on only for the measured GETs), under strace -c attached for the measured
# GETs, and counted by perf stat tracepoints for the measured GETs (no
# ptrace: strace slows every system call, which changes how requests and
# Redis commands batch at CONNS>1; perf stat does not). The
# GETs: REQUESTS over CONNS keep-alive connections, one in flight on each
# (tools/bench/concurrent_get.py), after WARMUP. Writes $OUT/summary.md and
# per case top-<case>.txt (callgrind_annotate, inclusive) and
# strace-<case>.txt and perf-<case>.csv; "EVALSHA per GET" counts the Redis
# commands of the strace run (below 1 when calls share commands), the
# second table's those of the perf run. Every process it starts is stopped
# on exit.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REQUESTS="${REQUESTS:-2000}"
WARMUP="${WARMUP:-200}"
CONNS="${CONNS:-16}"
CASES="${CASES:-none local shared}"
GET_PATH="${GET_PATH:-/v1/shelves/1}"
OUT="${OUT:-/tmp/protogate-ratelimit-counts/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { printf '[ratelimit-counts] %s\n' "$*" >&2; }

"$REPO/tools/install-deps.sh" valgrind strace linux-perf >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"
demo_binaries "$BUILD"

redis-server --port 0 --unixsocket "$OUT/redis.sock" --save "" --appendonly no \
  --dir "$OUT" >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
wait_line "$OUT/redis.log" "ready to accept connections" >/dev/null
start_listening backend 30 "$BACKEND_BIN" --listen 127.0.0.1:0
BACKEND_PORT=$PORT

config() {  # $1: case; the policies of ratelimit.sh (they never reject).
  cat <<YAML
server: {io_threads: 1}
metrics: {enabled: false}
descriptors: {descriptor_sets: ["$DESCRIPTORS"]}
clusters: [{name: books, endpoints: ["127.0.0.1:$BACKEND_PORT"]}]
routes: [{service: demo.bookstore, cluster: books}]
YAML
  case $1 in
    local) echo "rate_limits: {policies: [{name: p, key: client_ip, requests: 1000000000, per: 1s}]}" ;;
    # A timeout valgrind's slowness does not reach: the success path counts.
    shared) echo "rate_limits: {redis: {address: \"unix://$OUT/redis.sock\", timeout: 5s}," \
                 "policies: [{name: p, key: client_ip, requests: 1000000000, per: 1s, shared: true}]}" ;;
  esac
}

load() { timeout 600 python3 "$REPO/tools/bench/concurrent_get.py" "$PORT" "$GET_PATH" "$1" "$CONNS"; }

printf '| case | Ir per GET | syscalls per GET | of them (top 6 per GET) | EVALSHA per GET |\n|---|---:|---:|---|---:|\n' \
  >"$OUT/summary.md"
printf '| case | syscalls per GET | epoll_wait | epoll_ctl | read | write | context switches per GET | EVALSHA per GET |\n|---|---:|---:|---:|---:|---:|---:|---:|\n' \
  >"$OUT/perf.md"
PERF_EVENTS=raw_syscalls:sys_enter,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_ctl
PERF_EVENTS+=,syscalls:sys_enter_read,syscalls:sys_enter_write,context-switches
rcli() { timeout 10 redis-cli -s "$OUT/redis.sock" "$@"; }
for c in $CASES; do
  config "$c" >"$OUT/$c.yaml"
  # Instructions.
  start_listening "pg-cg-$c" 120 env LD_BIND_NOW=1 valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$OUT/callgrind.$c" "$PG_BIN" --config "$OUT/$c.yaml" --listen 127.0.0.1:0
  pid=$LAST_PID
  load "$WARMUP"
  timeout 60 callgrind_control -i on "$pid" >/dev/null
  load "$REQUESTS"
  timeout 60 callgrind_control --dump="$c" "$pid" >/dev/null
  stop_pid "$pid" 30
  dump=""
  for f in "$OUT"/callgrind."$c"*; do
    if grep -qx "desc: Trigger: dump $c" "$f" 2>/dev/null; then dump=$f; fi
  done
  total=$(awk '/^summary:/ {print $2}' "$dump")
  ir=$(awk -v t="$total" -v n="$REQUESTS" 'BEGIN {printf "%.0f", t / n}')
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null >"$OUT/top-$c.txt" || true
  # System calls, every thread of the gateway.
  start_listening "pg-st-$c" 30 "$PG_BIN" --config "$OUT/$c.yaml" --listen 127.0.0.1:0
  pid=$LAST_PID
  load "$WARMUP"
  rcli CONFIG RESETSTAT >/dev/null
  strace -f -c -p "$pid" -o "$OUT/strace-$c.txt" 2>"$OUT/strace-$c.err" &
  spid=$!
  PIDS+=($spid)
  wait_line "$OUT/strace-$c.err" "[Pp]rocess $pid attached" >/dev/null
  load "$REQUESTS"
  kill -INT "$spid"; wait "$spid" 2>/dev/null || true
  stop_pid "$pid" 30
  calls=$(awk '$NF=="total" {print $4}' "$OUT/strace-$c.txt")
  # Columns of strace -c: % time, seconds, usecs/call, calls, [errors], syscall.
  top=$(awk -v n="$REQUESTS" '/^ *[0-9]/ && $NF!="total" {printf "%s %.2f\n", $NF, $4 / n}' \
          "$OUT/strace-$c.txt" | sort -k2 -rn | head -6 | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')
  per=$(awk -v t="$calls" -v n="$REQUESTS" 'BEGIN {printf "%.2f", t / n}')
  # Redis commands of the measured GETs (one EVALSHA may serve several).
  evalsha=$(rcli INFO commandstats | tr -d '\r' | awk -F'[=,:]' -v n="$REQUESTS" \
    '$1=="cmdstat_evalsha" {c=$3} END {printf "%.2f", c / n}')
  printf '| %s | %s | %s | %s | %s |\n' "$c" "$ir" "$per" "$top" "$evalsha" >>"$OUT/summary.md"
  log "$c: $ir Ir, $per syscalls per GET"
  # System calls and context switches without ptrace: perf stat counts the
  # gateway (every thread) while the load runs.
  start_listening "pg-pf-$c" 30 "$PG_BIN" --config "$OUT/$c.yaml" --listen 127.0.0.1:0
  pid=$LAST_PID
  load "$WARMUP"
  rcli CONFIG RESETSTAT >/dev/null
  perf stat -x, -o "$OUT/perf-$c.csv" -e "$PERF_EVENTS" -p "$pid" -- \
    timeout 600 python3 "$REPO/tools/bench/concurrent_get.py" "$PORT" "$GET_PATH" "$REQUESTS" "$CONNS"
  stop_pid "$pid" 30
  evalsha=$(rcli INFO commandstats | tr -d '\r' | awk -F'[=,:]' -v n="$REQUESTS" \
    '$1=="cmdstat_evalsha" {c=$3} END {printf "%.2f", c / n}')
  awk -F, -v n="$REQUESTS" -v c="$c" -v e="$evalsha" '$3 != "" {sub(/^.*sys_enter_?/, "", $3); v[$3] = $1}
    END {printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", c, v[""] / n,
      v["epoll_wait"] / n, v["epoll_ctl"] / n, v["read"] / n, v["write"] / n,
      v["context-switches"] / n, e}' "$OUT/perf-$c.csv" >>"$OUT/perf.md"
done
cat "$OUT/summary.md"
echo
cat "$OUT/perf.md"
log "results in $OUT"
