#!/usr/bin/env bash
# --io_threads defaults to the CPUs the process may use (its affinity mask,
# lowered to its cgroup CPU quota), not to the host's cores: started under
# `taskset -c 0`, the gateway serves with 1 I/O thread.
# Usage: io_threads_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$1
gateway=(
  "$build/gateway/server/protogate" --listen 127.0.0.1:0
  --descriptor_set "$build/proto/bookstore.binpb"
  --backend demo.bookstore=127.0.0.1:1 --watch_interval 0
)

start one taskset -c 0 "${gateway[@]}"
wait_line one 'serving with [0-9]+ I/O threads'
[[ $OPERATE_LAST_LINE == *"serving with 1 I/O threads"* ]] ||
  fail "under taskset -c 0: $OPERATE_LAST_LINE"
# The threads are there: the process has at least the one I/O thread.
threads=$(ls "/proc/${OPERATE_PID[one]}/task" | wc -l)
((threads >= 2)) || fail "only $threads threads"
stop one
((STOP_CODE == 0)) || fail "exit code $STOP_CODE after SIGTERM"

# Every CPU of the mask counts (this machine has at least one).
cpus=$(nproc)
start all taskset -c "0-$((cpus - 1))" "${gateway[@]}"
wait_line all 'serving with [0-9]+ I/O threads'
[[ $OPERATE_LAST_LINE == *"serving with $cpus I/O threads"* ]] ||
  fail "with $cpus CPUs: $OPERATE_LAST_LINE"
stop all

# An explicit --io_threads wins over the mask.
start three taskset -c 0 "${gateway[@]}" --io_threads 3
wait_line three 'serving with [0-9]+ I/O threads'
[[ $OPERATE_LAST_LINE == *"serving with 3 I/O threads"* ]] ||
  fail "--io_threads 3: $OPERATE_LAST_LINE"
stop three
echo "io_threads: default follows the affinity mask"
