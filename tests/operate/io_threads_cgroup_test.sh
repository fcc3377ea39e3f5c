#!/usr/bin/env bash
# --io_threads follows the cgroup CPU quota (what Kubernetes writes for a
# CPU limit): the gateway started in a real cgroup with a quota of one CPU
# serves with 1 I/O thread although its affinity mask has every CPU. Makes
# a child cgroup (v1 cpu hierarchy, or v2 with the cpu controller) and
# removes it; exits 77 (skipped) where it cannot (not root, read-only
# cgroup file system, no cpu controller).
# Usage: io_threads_cgroup_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$1

cgroup=""
cleanup_cgroup() { [[ -z $cgroup ]] || rmdir "$cgroup" 2>/dev/null || true; }
trap 'operate_cleanup; cleanup_cgroup' EXIT

name=protogate-io-threads-$$
if [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]] &&
  mkdir "/sys/fs/cgroup/cpu/$name" 2>/dev/null; then
  cgroup=/sys/fs/cgroup/cpu/$name
  echo 100000 >"$cgroup/cpu.cfs_period_us"
  echo 100000 >"$cgroup/cpu.cfs_quota_us" # 1 CPU
elif grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
  mkdir "/sys/fs/cgroup/$name" 2>/dev/null; then
  cgroup=/sys/fs/cgroup/$name
  echo "100000 100000" >"$cgroup/cpu.max" # 1 CPU
else
  echo "io_threads_cgroup: cannot make a cgroup with a CPU quota here; skipped"
  exit 77
fi

cpus=$(nproc)
# The shell moves itself into the cgroup, then becomes the gateway.
start gateway bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ \
  "$cgroup" "$build/gateway/server/protogate" --listen 127.0.0.1:0 \
  --descriptor_set "$build/proto/bookstore.binpb" \
  --backend demo.bookstore=127.0.0.1:1 --watch_interval 0
wait_line gateway 'serving with [0-9]+ I/O threads'
[[ $OPERATE_LAST_LINE == *"serving with 1 I/O threads"* ]] ||
  fail "in a 1-CPU cgroup on $cpus CPUs: $OPERATE_LAST_LINE"
grep -q "$name" "/proc/${OPERATE_PID[gateway]}/cgroup" ||
  fail "the gateway is not in $cgroup"
stop gateway
((STOP_CODE == 0)) || fail "exit $STOP_CODE after SIGTERM"
echo "io_threads: the cgroup quota (1 of $cpus CPUs) sets the default"
