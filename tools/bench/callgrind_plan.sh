#!/usr/bin/env bash
# Instructions and heap allocations per request of run.sh's aggregated case
# (GET /v1/shelves/1/quartet, the 4-step plan of bench_agg.proto) against
# the single GET it is compared with (GET /v1/shelves/1/books/42), in one
# protogate process: counts that do not move with the load of a shared
# machine, unlike CPU time. Issue 22's figure "CPU of the 4-step plan / CPU
# of 4 single GETs" is estimated by Ir per plan request / (4 x Ir per GET).
#
#   bash tools/bench/callgrind_plan.sh                # 1000 of each
#   REQUESTS=500 PROTOGATE_BIN=/path/protogate bash tools/bench/callgrind_plan.sh
#   BIN_A=/a/protogate BIN_B=/b/protogate bash tools/bench/callgrind_plan.sh  # A/B
#
# Backend: the peer benchmark's bench_server ($PEER_DIR/bin/bench_server,
# built by run.sh or ../shared/tools/peer/build-peer.sh) on BACKEND_ADDR.
# protogate (one I/O thread, the flags of run.sh) starts under callgrind with
# instrumentation off, answers WARMUP requests of each kind, then counts
# REQUESTS GETs (dump "get") and REQUESTS plan requests (dump "agg"), each
# over one keep-alive connection (keepalive_get.py). A second run without
# valgrind under LD_PRELOAD=malloc_count.so counts heap allocations over the
# same requests. Writes $OUT/summary.md and $OUT/top-<bin>-<kind>.txt
# (callgrind_annotate, inclusive). Every process it starts is stopped on
# exit; every wait is bounded.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/tools/bench"
BUILD="${BUILD_DIR:-$REPO/build}"
REQUESTS="${REQUESTS:-1000}"
WARMUP="${WARMUP:-100}"
PEER_TOOLS="${PEER_TOOLS:-$REPO/../shared/tools/peer}"
PEER_DIR="${PEER_DIR:-/tmp/protogate-peer}"
BACKEND_ADDR="${BACKEND_ADDR:-127.0.0.1:50151}"
GET_PATH=/v1/shelves/1/books/42
AGG_PATH="/v1/shelves/1/quartet?a=42&b=43&c=44&d=45"
OUT="${OUT:-/tmp/protogate-callgrind-plan/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$OUT"
log() { printf '[callgrind-plan] %s\n' "$*" >&2; }

if [ -n "${BIN_A:-}" ] || [ -n "${BIN_B:-}" ]; then
  [ -x "${BIN_A:-}" ] && [ -x "${BIN_B:-}" ] || { log "BIN_A and BIN_B must both be executables"; exit 1; }
  BINS=("A=$BIN_A" "B=$BIN_B")
else
  BINS=("protogate=${PROTOGATE_BIN:-$BUILD/gateway/server/protogate}")
fi
BACKEND_BIN="$PEER_DIR/bin/bench_server"
for f in "$BACKEND_BIN" "${BINS[@]#*=}"; do
  [ -x "$f" ] || { log "missing $f (build protogate; bench_server: build-peer.sh $PEER_DIR)"; exit 1; }
done
case "$BACKEND_ADDR" in 127.*:*) ;; *) log "BACKEND_ADDR must be a loopback HOST:PORT"; exit 1 ;; esac
if (exec 3<>"/dev/tcp/${BACKEND_ADDR%:*}/${BACKEND_ADDR##*:}") 2>/dev/null; then
  log "$BACKEND_ADDR is in use"; exit 1
fi
"$REPO/tools/install-deps.sh" valgrind >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"

protoc -I "$PEER_TOOLS" -I "$HERE" -I "$REPO/proto" -I /usr/include --include_imports \
  --descriptor_set_out="$OUT/bench.binpb" "$PEER_TOOLS/bench.proto" "$HERE/bench_agg.proto"
gcc -O2 -shared -fPIC -o "$OUT/malloc_count.so" "$HERE/malloc_count.c"

"$BACKEND_BIN" "$BACKEND_ADDR" 1 >"$OUT/backend.out" 2>"$OUT/backend.err" &
PIDS+=($!)
wait_line "$OUT/backend.err" "listening on" >/dev/null
PG_FLAGS=(--listen 127.0.0.1:0 --io_threads 1 --descriptor_set "$OUT/bench.binpb"
          --backend "bench.v1=$BACKEND_ADDR")

drive() {  # drive PORT PATH COUNT
  timeout 600 python3 "$HERE/keepalive_get.py" "$1" "$2" "$3"
}

# The dump callgrind wrote on request "$2" for process output prefix $1.
dump_total() {
  local f
  for f in "$1".*; do
    if grep -qx "desc: Trigger: dump $2" "$f" 2>/dev/null; then
      awk '/^summary:/ {print $2}' "$f"; return
    fi
  done
  echo 0
}

# malloc_count's running total of allocations (the last line of $1 once it
# has $2 lines).
allocs_at() {
  local file=$1 lines=$2
  for _ in $(seq 100); do
    [ "$(wc -l <"$file" 2>/dev/null || echo 0)" -ge "$lines" ] && break
    read -rt 0.1 <> <(:) || true
  done
  sed -n "${lines}p" "$file" | sed 's/.*allocs=\([0-9]*\).*/\1/'
}

printf '| binary | Ir per GET | Ir per plan request | plan / (4 x GET) | allocs per GET | allocs per plan request |\n' >"$OUT/summary.md"
printf '|---|---:|---:|---:|---:|---:|\n' >>"$OUT/summary.md"
for entry in "${BINS[@]}"; do
  tag=${entry%%=*} bin=${entry#*=}
  start_listening "pg-$tag" 120 env LD_BIND_NOW=1 valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$OUT/callgrind.$tag" "$bin" "${PG_FLAGS[@]}"
  pid=$LAST_PID
  drive "$PORT" "$GET_PATH" "$WARMUP"
  drive "$PORT" "$AGG_PATH" "$WARMUP"
  timeout 60 callgrind_control -i on "$pid" >/dev/null 2>&1
  drive "$PORT" "$GET_PATH" "$REQUESTS"
  timeout 60 callgrind_control --dump=get "$pid" >/dev/null 2>&1
  drive "$PORT" "$AGG_PATH" "$REQUESTS"
  timeout 60 callgrind_control --dump=agg "$pid" >/dev/null 2>&1
  stop_pid "$pid" 30
  ir_get=$(( $(dump_total "$OUT/callgrind.$tag" get) / REQUESTS ))
  ir_agg=$(( $(dump_total "$OUT/callgrind.$tag" agg) / REQUESTS ))
  for kind in get agg; do
    for f in "$OUT/callgrind.$tag".*; do
      grep -qx "desc: Trigger: dump $kind" "$f" 2>/dev/null &&
        { callgrind_annotate --inclusive=yes "$f" 2>/dev/null >"$OUT/top-$tag-$kind.txt" || true; }
    done
  done

  counts="$OUT/malloc-$tag.txt"
  : >"$counts"
  start_listening "pg-$tag-malloc" 30 env LD_PRELOAD="$OUT/malloc_count.so" \
    MALLOC_COUNT_OUT="$counts" "$bin" "${PG_FLAGS[@]}"
  pid=$LAST_PID
  drive "$PORT" "$GET_PATH" "$WARMUP"
  drive "$PORT" "$AGG_PATH" "$WARMUP"
  kill -USR2 "$pid"; a0=$(allocs_at "$counts" 1)
  drive "$PORT" "$GET_PATH" "$REQUESTS"
  kill -USR2 "$pid"; a1=$(allocs_at "$counts" 2)
  drive "$PORT" "$AGG_PATH" "$REQUESTS"
  kill -USR2 "$pid"; a2=$(allocs_at "$counts" 3)
  stop_pid "$pid" 30

  printf '| %s | %s | %s | %s | %s | %s |\n' "$tag" "$ir_get" "$ir_agg" \
    "$(awk -v a="$ir_agg" -v g="$ir_get" 'BEGIN {printf "%.2f", a / (4 * g)}')" \
    "$(awk -v a="$a1" -v b="$a0" -v n="$REQUESTS" 'BEGIN {printf "%.1f", (a - b) / n}')" \
    "$(awk -v a="$a2" -v b="$a1" -v n="$REQUESTS" 'BEGIN {printf "%.1f", (a - b) / n}')" \
    >>"$OUT/summary.md"
  log "$tag: $ir_get Ir per GET, $ir_agg Ir per plan request"
done
cat "$OUT/summary.md"
log "results in $OUT"
