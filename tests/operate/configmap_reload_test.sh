#!/usr/bin/env bash
# A ConfigMap update reaches a running gateway without a restart: the
# kubelet mounts a ConfigMap as KEY -> ..data/KEY symlinks and updates it by
# writing a new timestamped directory and swapping the ..data symlink
# atomically; the file watcher sees the new file behind the same path and
# reloads. Here the swap adds an HTTP rule (GET /v1/stats), which starts
# answering.
# Usage: configmap_reload_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
mount=$OPERATE_TMP/etc-protogate

# write_version NAME [EXTRA_YAML]: a ConfigMap version directory.
write_version() {
  local dir=$mount/..$1
  mkdir -p "$dir"
  cp "$build/proto/demo.binpb" "$dir/demo.binpb"
  sed -e "s|/etc/protogate/demo.binpb|$mount/demo.binpb|" \
    -e 's/0\.0\.0\.0:8080/127.0.0.1:0/; s/0\.0\.0\.0:9901/127.0.0.1:0/' \
    -e 's/watch_interval: 2s/watch_interval: 0.2s/' \
    "$src/deploy/kubernetes/protogate.yaml" >"$dir/protogate.yaml"
  if (($# > 1)); then printf '%s\n' "$2" >>"$dir/protogate.yaml"; fi
}
mkdir -p "$mount"
write_version 2026_12_01_00_00_00.1
ln -s ..2026_12_01_00_00_00.1 "$mount/..data"
ln -s ..data/protogate.yaml "$mount/protogate.yaml"
ln -s ..data/demo.binpb "$mount/demo.binpb"

start backend "$build/tools/demo/demo_bookstore" --listen 127.0.0.1:0
wait_line backend 'listening on'
backend_port=$(port_of "$OPERATE_LAST_LINE")
start gateway "$build/gateway/server/protogate" \
  --config "$mount/protogate.yaml" \
  --backend "demo.bookstore=127.0.0.1:$backend_port" \
  --backend demo.storefront=127.0.0.1:1
wait_line gateway 'protogate listening on http://'
port=$(port_of "$OPERATE_LAST_LINE")
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
  "http://127.0.0.1:$port/v1/stats")
[[ $code == 404 ]] || fail "GET /v1/stats before the update: $code"

# The kubelet's update: a new version, then one rename of ..data.
write_version 2026_12_01_00_05_00.2 \
  'http: {rules: [{selector: demo.bookstore.v1.Bookstore.Stats, get: /v1/stats}]}'
ln -s ..2026_12_01_00_05_00.2 "$mount/..data_tmp"
mv -T "$mount/..data_tmp" "$mount/..data"
rm -rf "$mount/..2026_12_01_00_00_00.1"
wait_line gateway 'reloaded \(' 30
body=$(curl -sS --max-time 10 "http://127.0.0.1:$port/v1/stats")
[[ $body == *'"shelves":2'* ]] || fail "GET /v1/stats after the update: $body"
stop gateway
((STOP_CODE == 0)) || fail "exit $STOP_CODE after SIGTERM"
echo "configmap: the swapped ..data reloaded the running gateway"
