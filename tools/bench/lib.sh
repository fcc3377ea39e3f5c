# Helpers shared by the small benchmark scripts (sourced, not run):
#   PIDS+=($!)            processes to stop when the script exits
#   wait_line FILE REGEX  waits (10 s at most) for a line matching REGEX in
#                         FILE and prints the match; fails the script if none
#   cpu_ticks PID         user + system CPU of PID so far, in clock ticks
#   TICK                  clock ticks per second
PIDS=()
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

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)
