#!/usr/bin/env bash
# tools/package.sh lays out the install root the Dockerfile ships; no
# container runtime exists here, so the test unpacks the tarball, checks
# the packaged config with --validate, and starts the gateway from that root
# (chroot) as user and group 65534 (nobody), serving the demo backend with
# the packaged config's rate limits (the shared one in a real Redis).
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$1
src=$(cd "$(dirname "$0")/../.." && pwd)

bash "$src/tools/package.sh" --with-libs "$build" "$OPERATE_TMP/root" \
  "$OPERATE_TMP/protogate.tar.gz"
for f in usr/local/bin/protogate etc/protogate/protogate.yaml \
  etc/protogate/demo.binpb usr/share/protogate/runtime-packages.txt; do
  [[ -f $OPERATE_TMP/root/$f ]] || fail "$f not in the root"
done
grep -qx 'libgrpc++1.51' "$OPERATE_TMP/root/usr/share/protogate/runtime-packages.txt" ||
  fail "runtime-packages.txt lacks libgrpc++1.51"

# The tarball is the root: unpack it where nobody can read it.
root=$OPERATE_TMP/unpacked
mkdir -m 755 "$root"
tar -C "$root" -xzf "$OPERATE_TMP/protogate.tar.gz"
chmod 755 "$root"
as_nobody=(chroot --userspec=65534:65534 "$root")
# A sanitizer build reads its options and LeakSanitizer its threads from
# /proc: there the root gets its own /proc, mounted in a mount namespace of
# the gateway's own (gone with it).
if grep -q '^PROTOGATE_SANITIZE:STRING=.' "$build/CMakeCache.txt"; then
  unshare --mount true 2>/dev/null || {
    echo "SKIP: a sanitizer build needs /proc in the root (unshare --mount)"
    exit 77
  }
  mkdir -m 555 "$root/proc"
  as_nobody=(unshare --mount sh -c 'mount -t proc proc "$0/proc" &&
    exec chroot --userspec=65534:65534 "$0" "$@"' "$root")
fi

# The packaged config as it is (dns:/// backends, ports 8080/9901): valid.
"${as_nobody[@]}" /usr/local/bin/protogate --validate \
  --config /etc/protogate/protogate.yaml >&2 || fail "--validate of the package"

# Served as a ConfigMap would be: the same config on free loopback ports,
# its shared rate limits in a real Redis (on a socket inside the root, where
# the Service redis:6379 would be).
sed -i 's/0\.0\.0\.0:8080/127.0.0.1:0/; s/0\.0\.0\.0:9901/127.0.0.1:0/' \
  "$root/etc/protogate/protogate.yaml"
grep -q 'address: "redis:6379"' "$root/etc/protogate/protogate.yaml" ||
  fail "the packaged config has no shared rate limits in redis:6379"
sed -i 's|address: "redis:6379"|address: "unix:///run/redis.sock"|' \
  "$root/etc/protogate/protogate.yaml"
mkdir -m 755 "$root/run"
start redis redis-server --port 0 --unixsocket "$root/run/redis.sock" \
  --unixsocketperm 777 --save "" --appendonly no
wait_line redis '[Rr]eady to accept connections'
start backend "$build/tools/demo/demo_bookstore" --listen 127.0.0.1:0
wait_line backend 'listening on'
backend_port=$(port_of "$OPERATE_LAST_LINE")
start gateway "${as_nobody[@]}" /usr/local/bin/protogate \
  --config /etc/protogate/protogate.yaml \
  --backend "demo.bookstore=127.0.0.1:$backend_port" \
  --backend demo.storefront=127.0.0.1:1
wait_line gateway 'protogate listening on http://'
port=$(port_of "$OPERATE_LAST_LINE")
wait_line gateway 'protogate admin listening on http://'
admin_port=$(port_of "$OPERATE_LAST_LINE")

uid=$(awk '/^Uid:/ {print $2}' "/proc/${OPERATE_PID[gateway]}/status")
[[ $uid == 65534 ]] || fail "the gateway runs as uid $uid"
body=$(curl -sS --max-time 10 "http://127.0.0.1:$port/v1/shelves/1/books/1")
[[ $body == *'"title":"The Left Hand of Darkness"'* ]] || fail "book: $body"
# Both policies limit the route; the shared one counted in Redis.
limit=$(curl -sS -o /dev/null -D - --max-time 10 \
  "http://127.0.0.1:$port/v1/shelves/1/books/1" | tr -d '\r' |
  awk -F': ' 'tolower($1) == "ratelimit-limit" {print $2}')
[[ $limit == 20 ]] || fail "RateLimit-Limit: '$limit' (the per-replica 20/s)"
keys=$(redis-cli -s "$root/run/redis.sock" --scan --pattern 'protogate:rl:per-client:*')
[[ -n $keys ]] || fail "no per-client bucket in Redis"
health=$(curl -sS --max-time 10 "http://127.0.0.1:$admin_port/-/healthz")
[[ $health == '{"status":"SERVING"}' ]] || fail "healthz: $health"
# The explorer is in the binary, on the admin listener (and only there).
page=$(curl -sS --max-time 10 "http://127.0.0.1:$admin_port/-/explorer")
[[ $page == *"<title>protogate explorer</title>"* ]] || fail "no explorer page"
public=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 10 \
  "http://127.0.0.1:$port/-/explorer")
[[ $public == 404 ]] || fail "/-/explorer on the public listener: $public"
stop gateway
((STOP_CODE == 0)) || fail "exit $STOP_CODE after SIGTERM"
echo "package: the root serves the demo as nobody"
