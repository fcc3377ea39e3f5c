#!/usr/bin/env bash
# Profiles protogate's request path under load (loopback only, every step bounded).
# Run after tools/bench/run.sh has built everything (it reuses build/ and $PEER_DIR);
# do not run it at the same time as run.sh (same ports).
#
#   bash tools/bench/profile.sh                 # GET one book
#   PATH_CASE=list bash tools/bench/profile.sh  # or list / post
#
# Produces in $OUT (default /tmp/protogate-profile/<UTC time>):
#   perf-flat.txt       perf report, self time per symbol (cpu-clock sampling, no HW counters needed)
#   perf-children.txt   perf report with callers' inclusive time (dwarf call graphs)
#   strace.txt          strace -c -f over exactly REQUESTS requests (syscalls per request)
#   allocs.txt          heap allocations per request (LD_PRELOAD malloc_count.so, REQUESTS requests)
# Env: PEER_DIR=/tmp/protogate-peer PEER_TOOLS=<repo>/../shared/tools/peer PROTOGATE_BIN=
#      PG_ADDR=127.0.0.1:9091 PG_CPUS=0 CONNS=32 PERF_SECONDS=8 REQUESTS=20000 STEPS="perf strace allocs"
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/tools/bench"
PEER_TOOLS="${PEER_TOOLS:-$REPO/../shared/tools/peer}"
PEER_DIR="${PEER_DIR:-/tmp/protogate-peer}"
PG_ADDR="${PG_ADDR:-127.0.0.1:9091}"
PG_CPUS="${PG_CPUS-0}"
CONNS="${CONNS:-32}"
PERF_SECONDS="${PERF_SECONDS:-8}"
REQUESTS="${REQUESTS:-20000}"
STEPS="${STEPS:-perf strace allocs}"
PATH_CASE="${PATH_CASE:-get}"
OUT="${OUT:-/tmp/protogate-profile/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { printf '[profile] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
case "$PG_ADDR" in 127.*:*) ;; *) die "PG_ADDR must be loopback" ;; esac

PG_BIN="${PROTOGATE_BIN:-$(find "$REPO/${BUILD_DIR:-build}" -type f -name protogate -perm -u+x 2>/dev/null | head -1)}"
[ -x "$PG_BIN" ] || die "protogate binary not found (run tools/bench/run.sh first or set PROTOGATE_BIN)"
[ -x "$PEER_DIR/bin/bench_server" ] || die "peer not built in $PEER_DIR (run tools/bench/run.sh first)"
# perf, strace and h2load, from Debian (idempotent).
"$REPO/tools/install-deps.sh" linux-perf strace nghttp2-client

URL="http://$PG_ADDR/v1/shelves/1/books"
H2EXTRA=()
case "$PATH_CASE" in
  get) URL="$URL/42" ;;
  list) ;;
  post) H2EXTRA=(-d "$PEER_DIR/bench/createbook.json" -H 'content-type: application/json') ;;
  *) die "PATH_CASE must be get, list or post" ;;
esac

protoc -I "$PEER_TOOLS" -I "$REPO/proto" -I /usr/include --include_imports \
  --descriptor_set_out="$OUT/bench.binpb" "$PEER_TOOLS/bench.proto"

PG_PID=""
STARTED_PEER=0
stop_pg() {
  if [ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -TERM "$PG_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PG_PID" 2>/dev/null && kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  PG_PID=""
}
cleanup() {
  set +e
  stop_pg
  [ "$STARTED_PEER" = 1 ] && bash "$PEER_TOOLS/run-peer.sh" stop "$PEER_DIR" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
port_busy "$PG_ADDR" && die "$PG_ADDR in use"
if ! port_busy 127.0.0.1:50051; then
  bash "$PEER_TOOLS/run-peer.sh" start "$PEER_DIR" >"$OUT/peer.log" 2>&1
  STARTED_PEER=1
else
  log "using the backend already on 127.0.0.1:50051"
fi

start_pg() {  # [env assignments...]
  local pin=(); [ -n "$PG_CPUS" ] && pin=(taskset -c "$PG_CPUS")
  env "$@" "${pin[@]}" "$PG_BIN" --listen "$PG_ADDR" --descriptor_set "$OUT/bench.binpb" \
    --backend bench.v1=127.0.0.1:50051 --io_threads 1 >>"$OUT/protogate.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 1 100); do port_busy "$PG_ADDR" && break; sleep 0.1; done
  port_busy "$PG_ADDR" || die "protogate did not start"
}
load_n() {  # bounded number of requests over CONNS keep-alive connections
  timeout 120 taskset -c 1 h2load --h1 -t1 -c"$CONNS" -n "$1" "${H2EXTRA[@]}" "$URL" >"$OUT/h2load-$2.txt" 2>&1
  grep -E '^requests:|^status codes:' "$OUT/h2load-$2.txt" >&2
}

if [[ " $STEPS " == *" perf "* ]]; then
  start_pg
  load_n 5000 warmup
  log "perf record -F 999 -e cpu-clock --call-graph dwarf for ${PERF_SECONDS}s under wrk -c$CONNS"
  timeout $((PERF_SECONDS + 20)) taskset -c 1 wrk -t1 -c"$CONNS" -d"$((PERF_SECONDS + 2))s" \
    $( [ "$PATH_CASE" = post ] && echo -s "$PEER_DIR/bench/post.lua" ) "$URL" >"$OUT/wrk-perf.txt" 2>&1 &
  WRK=$!
  sleep 1
  timeout $((PERF_SECONDS + 60)) perf record -q -F 999 -e cpu-clock --call-graph dwarf,8192 \
    -p "$PG_PID" -o "$OUT/perf.data" -- sleep "$PERF_SECONDS" 2>"$OUT/perf-record.log" || true
  wait "$WRK" || true
  grep -E 'Requests/sec' "$OUT/wrk-perf.txt" >&2 || true
  perf report -i "$OUT/perf.data" --no-children --sort symbol --stdio -g none --percent-limit 0.3 \
    2>/dev/null | sed -E 's/ +- +- *$//; s/ +$//' >"$OUT/perf-flat.txt" || true
  perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none --percent-limit 2 \
    2>/dev/null | sed -E 's/ +- +- *$//; s/ +$//' >"$OUT/perf-children.txt" || true
  perf report -i "$OUT/perf.data" --no-children --sort dso --stdio -g none \
    2>/dev/null | sed -E 's/ +- +- *$//; s/ +$//' >"$OUT/perf-dso.txt" || true
  stop_pg
fi

if [[ " $STEPS " == *" strace "* ]]; then
  start_pg
  load_n 5000 warmup-strace
  strace -c -f -p "$PG_PID" -o "$OUT/strace.txt" &
  ST=$!
  sleep 1
  load_n "$REQUESTS" strace
  kill -INT "$ST"; wait "$ST" || true
  # columns: % time, seconds, usecs/call, calls, [errors], syscall
  awk -v n="$REQUESTS" '$4 ~ /^[0-9]+$/ {printf "%s   (%.3f per request)\n", $0, $4 / n; next} {print}' \
    "$OUT/strace.txt" >"$OUT/strace-per-request.txt" || true
  stop_pg
fi

if [[ " $STEPS " == *" allocs "* ]]; then
  gcc -O2 -shared -fPIC -o "$OUT/malloc_count.so" "$HERE/malloc_count.c"
  : >"$OUT/malloc.raw"
  start_pg LD_PRELOAD="$OUT/malloc_count.so" MALLOC_COUNT_OUT="$OUT/malloc.raw"
  load_n 5000 warmup-allocs
  sleep 0.5; kill -USR2 "$PG_PID"; sleep 0.5
  load_n "$REQUESTS" allocs
  sleep 0.5; kill -USR2 "$PG_PID"; sleep 0.5
  awk -v n="$REQUESTS" -F'[= ]' 'NR==1{a=$2; f=$4; b=$6} NR==2{printf "allocations per request: %.1f (frees %.1f, %.0f bytes requested per request) over %d requests\n", ($2-a)/n, ($4-f)/n, ($6-b)/n, n}' \
    "$OUT/malloc.raw" | tee "$OUT/allocs.txt" >&2
  stop_pg
fi
log "done: $OUT"
ls "$OUT" >&2
