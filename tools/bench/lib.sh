# Helpers shared by the small benchmark scripts (sourced, not run):
#   PIDS+=($!)            processes to stop when the script exits
#   wait_line FILE REGEX  waits (10 s at most) for a line matching REGEX in
#                         FILE and prints the match; fails the script if none
#   cpu_ticks PID         user + system CPU of PID so far, in clock ticks
#   TICK                  clock ticks per second
#   start_listening NAME SECONDS CMD...  runs CMD (stdout $OUT/NAME.out,
#                         stderr $OUT/NAME.err), waits SECONDS at most for
#                         "listening on"; sets PORT and LAST_PID
#   stop_pid PID SECONDS  SIGTERM, then SIGKILL if still alive after SECONDS
#   demo_binaries BUILD   sets PG_BIN, BACKEND_BIN and DESCRIPTORS (protogate,
#                         demo_bookstore, its descriptor set) under BUILD;
#                         fails the script if one is missing
#   observability_configs DESCRIPTORS BACKEND_PORT OTLP_ENDPOINT
#                         writes $OUT/{off,metrics,log,trace,propagate,on}.yaml:
#                         one I/O thread, the bookstore on BACKEND_PORT, and
#                         metrics / access log / 1% tracing off or on
PIDS=()

demo_binaries() {
  PG_BIN="$1/gateway/server/protogate"
  BACKEND_BIN="$1/tools/demo/demo_bookstore"
  DESCRIPTORS="$1/proto/bookstore.binpb"
  local f
  for f in "$PG_BIN" "$BACKEND_BIN" "$DESCRIPTORS"; do
    [ -e "$f" ] || { echo "missing $f (build protogate demo_bookstore first)" >&2; exit 1; }
  done
}
bench_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap bench_cleanup EXIT

wait_line() {
  local file=$1 regex=$2
  for _ in $(seq 100); do
    if grep -qE "$regex" "$file" 2>/dev/null; then grep -oE "$regex" "$file" | head -1; return; fi
    read -rt 0.1 <> <(:) || true
  done
  echo "bench: no \"$regex\" in $file" >&2
  exit 1
}

# "taskset -c CPUS" for a command line, nothing when CPUS is empty.
pin_to() { [ -z "$1" ] || echo taskset -c "$1"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# paired_overhead RUNS_TSV BASE OTHER: the runs of OTHER against the run of
# BASE with the same run number (column 1: mode, 2: run, last: CPU µs per
# request), as "+x.x% (median of N pairs, range a..b)". Interleaved runs
# share the machine's state of their moment, so a pair's ratio is steadier
# than a ratio of two medians.
paired_overhead() {
  awk -F'\t' -v base="$2" -v other="$3" '
    NR > 1 && $1 == base { b[$2] = $NF }
    NR > 1 && $1 == other { o[$2] = $NF }
    END {
      n = 0
      for (r in o) if ((r in b) && b[r] > 0) r_[++n] = (o[r] / b[r] - 1) * 100
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
        if (r_[j] < r_[i]) { t = r_[i]; r_[i] = r_[j]; r_[j] = t }
      if (n == 0) { print "n/a"; exit }
      m = n % 2 ? r_[(n + 1) / 2] : (r_[n / 2] + r_[n / 2 + 1]) / 2
      printf "%+.1f%% (median of %d pairs, range %+.1f%%..%+.1f%%)\n", m, n, r_[1], r_[n]
    }' "$1"
}
TICK=$(getconf CLK_TCK)

start_listening() {
  local name=$1 seconds=$2
  shift 2
  "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
  PIDS+=($!)
  LAST_PID=$!
  for _ in $(seq 1 $((seconds * 10))); do
    if grep -q "listening on" "$OUT/$name.out" 2>/dev/null; then
      PORT=$(grep -m1 "listening on" "$OUT/$name.out" | sed 's/.*://')
      return 0
    fi
    read -rt 0.1 <> <(:) || true
  done
  echo "bench: $name did not start" >&2
  cat "$OUT/$name.err" >&2
  return 1
}

stop_pid() {
  local pid=$1 seconds=$2
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    read -rt 0.1 <> <(:) || true
  done
  kill -KILL "$pid" 2>/dev/null || true
}

observability_configs() {
  local descriptors=$1 backend_port=$2 otlp=$3 base
  base="descriptors: {descriptor_sets: [\"$descriptors\"]}
clusters: [{name: books, endpoints: [\"127.0.0.1:$backend_port\"]}]
routes: [{service: demo.bookstore, cluster: books}]
server: {io_threads: 1}"
  local off="metrics: {enabled: false}"
  local log="logging: {access_log: {path: \"$OUT/access.log\", format: json}}"
  local trace="tracing: {sample_ratio: 0.01, otlp: {endpoint: \"$otlp\"}}"
  printf '%s\n%s\n' "$base" "$off" >"$OUT/off.yaml"
  printf '%s\n' "$base" >"$OUT/metrics.yaml"
  printf '%s\n%s\n%s\n' "$base" "$off" "$log" >"$OUT/log.yaml"
  printf '%s\n%s\n%s\n' "$base" "$off" "$trace" >"$OUT/trace.yaml"
  # Trace context only, no export.
  printf '%s\n%s\n%s\n' "$base" "$off" "tracing: {sample_ratio: 0.01}" \
    >"$OUT/propagate.yaml"
  printf '%s\n%s\n%s\n' "$base" "$log" "$trace" >"$OUT/on.yaml"
}
