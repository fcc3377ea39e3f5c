#!/usr/bin/env bash
# HTTP/2 (h2c) against HTTP/1.1: CPU us per GET through the real protogate in
# front of demo_bookstore, loopback only, both driven by h2load (--h1 for
# HTTP/1.1, prior knowledge for h2c) with the same connections and requests.
#
#   bash tools/bench/h2.sh                   # 3 interleaved runs x 20000 GETs
#   REQUESTS=50000 REPEAT=5 bash tools/bench/h2.sh
#
# One protogate (io_threads 1) serves both. CPU us/request = protogate's CPU
# time (/proc/PID/stat utime+stime, all threads) / requests h2load
# completed. h2c runs with MAX_STREAMS streams per connection, HTTP/1.1 with
# one request at a time per connection (h2load has no pipelining).
#
# Env: REQUESTS=20000 REPEAT=3 CONNS=8 MAX_STREAMS=10 BUILD=<repo>/build.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$REPO/build}"
REQUESTS="${REQUESTS:-20000}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-8}"
MAX_STREAMS="${MAX_STREAMS:-10}"
OUT="$(mktemp -d /tmp/protogate-h2-bench-XXXXXX)"
"$REPO/tools/install-deps.sh" nghttp2-client >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"

"$BUILD/tools/demo/demo_bookstore" --listen 127.0.0.1:0 >"$OUT/backend.log" 2>&1 &
PIDS+=($!)
BACKEND=$(wait_line "$OUT/backend.log" "127\.0\.0\.1:[0-9]+")
cat >"$OUT/protogate.yaml" <<YAML
listen: 127.0.0.1:0
server: {io_threads: 1}
descriptors: {descriptor_sets: [$BUILD/proto/bookstore.binpb]}
clusters: [{name: books, endpoints: [$BACKEND]}]
routes: [{service: demo.bookstore, cluster: books}]
YAML
"$BUILD/gateway/server/protogate" --config "$OUT/protogate.yaml" >"$OUT/gw.log" 2>&1 &
GW=$!
PIDS+=($GW)
URL=$(wait_line "$OUT/gw.log" "http://127\.0\.0\.1:[0-9]+")/v1/shelves/1/books/1

run() {  # $1: label, rest: h2load flags
  local label=$1
  shift
  local before after done
  before=$(cpu_ticks "$GW")
  h2load -n "$REQUESTS" -c "$CONNS" -t 1 "$@" "$URL" >"$OUT/$label.txt" 2>&1
  after=$(cpu_ticks "$GW")
  done=$(grep -oE '[0-9]+ succeeded' "$OUT/$label.txt" | grep -oE '^[0-9]+')
  awk -v t=$((after - before)) -v n="$done" -v tick="$TICK" -v l="$label" \
    'BEGIN { printf "%s\t%d\t%.1f\n", l, n, t * 1e6 / tick / n }'
}

run warmup --h1 >/dev/null
printf "protocol\trequests_ok\tcpu_us_per_req\n"
for _ in $(seq "$REPEAT"); do
  run http1.1 --h1
  run h2c -m "$MAX_STREAMS"
done
