#!/usr/bin/env bash
# Rate-limit overhead: CPU us per GET and latency with no policy, one local
# policy and one shared policy (Redis), through the real protogate in front
# of demo_bookstore, loopback only.
#
#   bash tools/bench/ratelimit.sh            # 3 interleaved runs x 5 s per case
#   DURATION=10 REPEAT=5 bash tools/bench/ratelimit.sh
#
# Every case starts its own protogate (--config, io_threads 1) over the same
# backend and redis-server (unix socket); the policies never reject (10^9
# requests per second per client), so every request does the full work:
#   none    no rate_limits section
#   local   {key: client_ip, shared: false}: one CAS on the local table
#   shared  {key: client_ip, shared: true}: one EVALSHA round trip to Redis
# CPU us/request = protogate's CPU time (/proc/PID/stat utime+stime, all its
# threads, the Redis client thread included; redis-server's own CPU is not
# counted) / requests wrk completed. Prints a Markdown table of medians.
#
# protogate runs pinned to PG_CPUS, wrk to LOADGEN_CPUS, the backend and
# redis-server to BACKEND_CPUS (empty: unpinned, the default: pinned with
# the load generator they saturate its CPU on a 2-core machine and the
# shared policy's latency doubles).
#
# Env: DURATION=5 REPEAT=3 CONNS=16 BUILD=<repo>/build (protogate,
# demo_bookstore and proto/bookstore.binpb built there), OUT=<tmp dir>,
# PG_CPUS=0 LOADGEN_CPUS=1 BACKEND_CPUS=.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-$REPO/build}"
DURATION="${DURATION:-5}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-16}"
PG_CPUS="${PG_CPUS-0}"
LOADGEN_CPUS="${LOADGEN_CPUS-1}"
BACKEND_CPUS="${BACKEND_CPUS-}"
OUT="${OUT:-$(mktemp -d /tmp/protogate-ratelimit-bench-XXXXXX)}"
mkdir -p "$OUT"
"$REPO/tools/install-deps.sh" wrk >/dev/null

# shellcheck source=tools/bench/lib.sh
source "$REPO/tools/bench/lib.sh"

$(pin_to "$BACKEND_CPUS") redis-server --port 0 --unixsocket "$OUT/redis.sock" --save "" --appendonly no \
  --dir "$OUT" >"$OUT/redis.log" 2>&1 &
PIDS+=($!)
wait_line "$OUT/redis.log" "ready to accept connections" >/dev/null
$(pin_to "$BACKEND_CPUS") "$BUILD/tools/demo/demo_bookstore" --listen 127.0.0.1:0 >"$OUT/backend.log" 2>&1 &
PIDS+=($!)
BACKEND=$(wait_line "$OUT/backend.log" "127\.0\.0\.1:[0-9]+")

config() {  # $1: case
  cat <<YAML
listen: 127.0.0.1:0
server: {io_threads: 1}
descriptors: {descriptor_sets: [$BUILD/proto/bookstore.binpb]}
clusters: [{name: books, endpoints: [$BACKEND]}]
routes: [{service: demo.bookstore, cluster: books}]
YAML
  case $1 in
    local) echo "rate_limits: {policies: [{name: p, key: client_ip, requests: 1000000000, per: 1s}]}" ;;
    shared) echo "rate_limits: {redis: {address: \"unix://$OUT/redis.sock\", timeout: 0.05s}," \
                 "policies: [{name: p, key: client_ip, requests: 1000000000, per: 1s, shared: true}]}" ;;
  esac
}


printf "case\trun\trps\tp50_ms\tcpu_us_per_req\n" >"$OUT/runs.tsv"
for run in $(seq "$REPEAT"); do
  for c in none local shared; do
    config "$c" >"$OUT/$c.yaml"
    $(pin_to "$PG_CPUS") "$BUILD/gateway/server/protogate" --config "$OUT/$c.yaml" >"$OUT/$c.log" 2>&1 &
    pid=$!
    PIDS+=($pid)
    url=$(wait_line "$OUT/$c.log" "http://127\.0\.0\.1:[0-9]+")
    wrk -t1 -c"$CONNS" -d1s "$url/v1/shelves/1" >/dev/null  # Warm-up.
    before=$(cpu_ticks "$pid")
    $(pin_to "$LOADGEN_CPUS") wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$url/v1/shelves/1" >"$OUT/$c-$run.txt"
    after=$(cpu_ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    reqs=$(awk '/requests in/ {print $1}' "$OUT/$c-$run.txt")
    non2xx=$(awk '/Non-2xx/ {print $5}' "$OUT/$c-$run.txt")
    [ -z "$non2xx" ] || { echo "bench: $c: $non2xx non-2xx answers" >&2; exit 1; }
    p50=$(awk '$1=="50%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' "$OUT/$c-$run.txt")
    awk -v c="$c" -v r="$run" -v n="$reqs" -v d="$DURATION" -v p="$p50" \
        -v t=$((after - before)) -v hz="$TICK" \
        'BEGIN{printf "%s\t%s\t%.0f\t%.3f\t%.2f\n", c, r, n/d, p, t*1e6/hz/n}' >>"$OUT/runs.tsv"
  done
done

# Medians per case, and the ratios to "none".
awk -F'\t' 'NR>1 {rps[$1]=rps[$1] " " $3; p50[$1]=p50[$1] " " $4; cpu[$1]=cpu[$1] " " $5}
  function median(s,   a, n, i, j, t) { n = split(s, a, " ");
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
  END {
    print "| case | rps | p50 ms | CPU us/GET | CPU vs none | p50 vs none |"
    print "| --- | ---: | ---: | ---: | ---: | ---: |"
    split("none local shared", cases, " ")
    base_cpu = median(cpu["none"]); base_p50 = median(p50["none"])
    for (k = 1; k <= 3; k++) { c = cases[k]
      printf "| %s | %.0f | %.3f | %.2f | %+.1f%% | %+.3f ms |\n", c, median(rps[c]), median(p50[c]),
        median(cpu[c]), (median(cpu[c]) / base_cpu - 1) * 100, median(p50[c]) - base_p50 }
  }' "$OUT/runs.tsv" | tee "$OUT/summary.md"
for c in local shared; do
  echo "CPU $c vs none, run by run: $(paired_overhead "$OUT/runs.tsv" none "$c")" | tee -a "$OUT/summary.md"
done
echo "runs: $OUT/runs.tsv"
