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
# every case on A then on B, then run 2, ... CPU us/request = the gateway's
# CPU time (/proc/PID/stat utime+stime) / requests wrk completed. Prints a
# Markdown table of medians and the B/A ratio.
#
# Env: BIN_A, BIN_B (default both build/gateway/server/protogate), FLAGS_A,
# FLAGS_B (more flags for one side, e.g. "--config metrics_off.yaml"),
# DURATION=5 REPEAT=3 CONNS=32, BUILD=<repo>/build (demo_bookstore and
# proto/bookstore.binpb built there), OUT=<tmp dir>.
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

run_case() {  # $1: case, $2: label, $3: pid, $4: port; appends a TSV row
  local path=/v1/shelves/1/books/1 script=()
  case $1 in
    list) path=/v1/shelves/1/books ;;
    post) path=/v1/shelves/2/books; script=(-s "$OUT/post.lua") ;;
  esac
  local before after requests
  before=$(cpu_ticks "$3")
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "${script[@]}" \
    "http://127.0.0.1:$4$path" >"$OUT/wrk.txt"
  after=$(cpu_ticks "$3")
  requests=$(awk '/requests in/ {print $1}' "$OUT/wrk.txt")
  awk -v c="$1" -v l="$2" -v r="$requests" -v t=$((after - before)) -v hz="$TICK" \
    -v d="$DURATION" 'BEGIN { printf "%s\t%s\t%.0f\t%.2f\n", c, l, r / d, t / hz * 1e6 / r }' \
    >>"$OUT/runs.tsv"
}

: >"$OUT/runs.tsv"
for run in $(seq "$REPEAT"); do
  for c in get list post; do
    run_case "$c" A "$PID_A" "$PORT_A"
    run_case "$c" B "$PID_B" "$PORT_B"
  done
  echo "ab: run $run of $REPEAT done" >&2
done

echo "| case | A rps | B rps | A CPU us/req | B CPU us/req | B/A CPU |"
echo "|---|---:|---:|---:|---:|---:|"
for c in get list post; do
  med() { awk -F'\t' -v c="$c" -v l="$1" -v f="$2" '$1 == c && $2 == l {print $f}' \
    "$OUT/runs.tsv" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
  ra=$(med A 3); rb=$(med B 3); ca=$(med A 4); cb=$(med B 4)
  awk -v c="$c" -v ra="$ra" -v rb="$rb" -v ca="$ca" -v cb="$cb" \
    'BEGIN { printf "| %s | %s | %s | %s | %s | %.3f |\n", c, ra, rb, ca, cb, cb / ca }'
done
echo "(runs: $OUT/runs.tsv)"
