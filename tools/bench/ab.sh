#!/usr/bin/env bash
# A/B of two protogate binaries in the same run: CPU us per request of each
# for GET one book, GET a shelf's books and POST a book, through the real
# gateway in front of demo_bookstore, loopback only.
#
#   BIN_A=/tmp/old/protogate BIN_B=build/gateway/server/protogate \
#     bash tools/bench/ab.sh
#   DURATION=5 REPEAT=5 bash tools/bench/ab.sh
#
# Both gateways run at once (--io_threads 1, pinned to CPU 0, the same
# flags); wrk (CPU 1, c=CONNS) drives them in turn, interleaved: run 1 of
# every case on A then on B, then run 2, ... With CONCURRENT=1 each run
# loads A and B at the same time instead, one wrk each, so that the shared
# VM's drift falls on both alike. CPU us/request = the gateway's CPU time
# (/proc/PID/stat utime+stime) / requests wrk completed. Prints a Markdown
# table of medians, the B/A ratio and the run-by-run overhead.
#
# Env: BIN_A, BIN_B (default both build/gateway/server/protogate), FLAGS_A,
# FLAGS_B (more flags for one side, e.g. "--config metrics_off.yaml"),
# DURATION=5 REPEAT=3 CONNS=32 CONCURRENT=0, BUILD=<repo>/build
# (demo_bookstore and proto/bookstore.binpb built there), OUT=<tmp dir>.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$REPO/build}"
BIN_A="${BIN_A:-$BUILD/gateway/server/protogate}"
BIN_B="${BIN_B:-$BUILD/gateway/server/protogate}"
DURATION="${DURATION:-5}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-32}"
OUT="${OUT:-$(mktemp -d /tmp/protogate-ab-XXXXXX)}"
"$REPO/tools/install-deps.sh" wrk >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"

"$BUILD/tools/demo/demo_bookstore" --listen 127.0.0.1:0 >"$OUT/backend.log" 2>&1 &
PIDS+=($!)
BACKEND=$(wait_line "$OUT/backend.log" "127\.0\.0\.1:[0-9]+")

start_gateway() {  # $1: label, $2: binary, $3: extra flags; prints "PID PORT"
  # shellcheck disable=SC2086  # $3 is a list of flags.
  taskset -c 0 "$2" --listen 127.0.0.1:0 --io_threads 1 \
    --descriptor_set "$BUILD/proto/bookstore.binpb" \
    --backend "demo.bookstore=$BACKEND" $3 >"$OUT/$1.log" 2>&1 &
  local pid=$!
  local port
  port=$(wait_line "$OUT/$1.log" "listening on http://127\.0\.0\.1:[0-9]+" | sed 's/.*://')
  echo "$pid $port"
}
read -r PID_A PORT_A < <(start_gateway a "$BIN_A" "${FLAGS_A:-}")
read -r PID_B PORT_B < <(start_gateway b "$BIN_B" "${FLAGS_B:-}")
PIDS+=("$PID_A" "$PID_B")  # start_gateway ran in a subshell.


cat >"$OUT/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"title":"Cosmos","genre":"GENRE_SCIENCE","publishTime":"1980-10-01T00:00:00Z"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# wrk's arguments for case $1 against port $2.
wrk_args() {
  local path=/v1/shelves/1/books/1 script=()
  case $1 in
    list) path=/v1/shelves/1/books ;;
    post) path=/v1/shelves/2/books; script=(-s "$OUT/post.lua") ;;
  esac
  echo -t1 -c"$CONNS" -d"${DURATION}s" "${script[@]}" "http://127.0.0.1:$2$path"
}

# row CASE LABEL RUN TICKS WRK_OUTPUT: appends a TSV row.
row() {
  local requests
  requests=$(awk '/requests in/ {print $1}' "$5")
  awk -v c="$1" -v l="$2" -v run="$3" -v r="$requests" -v t="$4" -v hz="$TICK" \
    -v d="$DURATION" 'BEGIN { printf "%s\t%s\t%s\t%.0f\t%.2f\n", c, l, run, r / d, t / hz * 1e6 / r }' \
    >>"$OUT/runs.tsv"
}

run_case() {  # $1: case, $2: label, $3: pid, $4: port, $5: run
  local before after
  before=$(cpu_ticks "$3")
  # shellcheck disable=SC2046  # wrk_args prints a list of arguments.
  taskset -c 1 wrk $(wrk_args "$1" "$4") >"$OUT/wrk-$2.txt"
  after=$(cpu_ticks "$3")
  row "$1" "$2" "$5" $((after - before)) "$OUT/wrk-$2.txt"
}

# A and B at the same time, each driven by its own wrk: the drift of a
# shared VM falls on both alike.
run_pair() {  # $1: case, $2: run
  local a0 b0 a1 b1 wa wb
  a0=$(cpu_ticks "$PID_A")
  b0=$(cpu_ticks "$PID_B")
  # shellcheck disable=SC2046
  taskset -c 1 wrk $(wrk_args "$1" "$PORT_A") >"$OUT/wrk-A.txt" &
  wa=$!
  # shellcheck disable=SC2046
  taskset -c 1 wrk $(wrk_args "$1" "$PORT_B") >"$OUT/wrk-B.txt" &
  wb=$!
  wait "$wa" "$wb"
  a1=$(cpu_ticks "$PID_A")
  b1=$(cpu_ticks "$PID_B")
  row "$1" A "$2" $((a1 - a0)) "$OUT/wrk-A.txt"
  row "$1" B "$2" $((b1 - b0)) "$OUT/wrk-B.txt"
}

: >"$OUT/runs.tsv"
for run in $(seq "$REPEAT"); do
  for c in get list post; do
    if [ "${CONCURRENT:-0}" = 1 ]; then
      run_pair "$c" "$run"
    else
      run_case "$c" A "$PID_A" "$PORT_A" "$run"
      run_case "$c" B "$PID_B" "$PORT_B" "$run"
    fi
  done
  echo "ab: run $run of $REPEAT done" >&2
done

echo "| case | A rps | B rps | A CPU us/req | B CPU us/req | B/A CPU | B over A run by run |"
echo "|---|---:|---:|---:|---:|---:|---|"
for c in get list post; do
  med() { awk -F'\t' -v c="$c" -v l="$1" -v f="$2" '$1 == c && $2 == l {print $f}' \
    "$OUT/runs.tsv" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
  ra=$(med A 4); rb=$(med B 4); ca=$(med A 5); cb=$(med B 5)
  # Run-by-run ratios by lib.sh's paired_overhead, on this case's rows.
  awk -F'\t' -v c="$c" 'BEGIN {print "label\trun\tcpu"}
    $1 == c {print $2 "\t" $3 "\t" $5}' "$OUT/runs.tsv" >"$OUT/case.tsv"
  pairs=$(paired_overhead "$OUT/case.tsv" A B)
  awk -v c="$c" -v ra="$ra" -v rb="$rb" -v ca="$ca" -v cb="$cb" -v p="$pairs" \
    'BEGIN { printf "| %s | %s | %s | %s | %s | %.3f | %s |\n", c, ra, rb, ca, cb, cb / ca, p }'
done
echo "(runs: $OUT/runs.tsv)"
