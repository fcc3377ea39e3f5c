#!/usr/bin/env bash
# `protogate --validate`: the demo config gives one line per service and
# exit 0 without binding its port (which another process holds) or starting
# health checks; a config with a mistake gives the mistake with FILE:LINE
# and exit 1.
# Usage: validate_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
protogate=$build/gateway/server/protogate

# A process that holds a port: a start on it would fail, a validation not.
start holder "$protogate" --listen 127.0.0.1:0 --watch_interval 0 \
  --descriptor_set "$build/proto/bookstore.binpb" --backend demo=127.0.0.1:1
wait_line holder 'protogate listening on http://'
held=$(port_of "$OPERATE_LAST_LINE")

good=$OPERATE_TMP/good.yaml
sed "s|build/proto/demo.binpb|$build/proto/demo.binpb|" \
  "$src/tools/demo/protogate.yaml" >"$good"
code=0
"$protogate" --validate --config "$good" --listen "127.0.0.1:$held" \
  >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/out" "$OPERATE_TMP/err" >&2
((code == 0)) || fail "good config: exit $code"
grep -qx 'service demo.bookstore.v1.Bookstore: [0-9]* routes' "$OPERATE_TMP/out" ||
  fail "no Bookstore line"
grep -qx 'service demo.storefront.v1.Storefront: [0-9]* routes, 4 plans' \
  "$OPERATE_TMP/out" || fail "no Storefront line with its 4 plans"
grep -q '^protogate: configuration OK ([0-9]* services' "$OPERATE_TMP/out" ||
  fail "no OK line"
[[ ! -s $OPERATE_TMP/err ]] || fail "stderr not empty"
stop holder

# A misspelt key on line 7: FILE:LINE:COLUMN, exit 1 (not 2).
bad=$OPERATE_TMP/bad.yaml
{
  echo "listen: 127.0.0.1:0"
  echo "descriptors:"
  echo "  descriptor_sets: [$build/proto/demo.binpb]"
  echo "clusters:"
  echo "  - name: books"
  echo "    endpoints: [127.0.0.1:1]"
  echo "    conect_timeout: 2s"
} >"$bad"
code=0
"$protogate" --validate --config "$bad" >"$OPERATE_TMP/out" \
  2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "bad config: exit $code"
grep -q "^protogate: $bad:7:5: .*conect_timeout" "$OPERATE_TMP/err" ||
  fail "no FILE:7:5 naming conect_timeout"
grep -qx 'protogate: configuration INVALID' "$OPERATE_TMP/err" ||
  fail "no INVALID line"

# A problem found while building (a service without a backend): exit 1.
code=0
"$protogate" --validate --descriptor_set "$build/proto/bookstore.binpb" \
  >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "no backend: exit $code"
grep -q 'protogate: service "demo.bookstore.v1.Bookstore" has no backend' \
  "$OPERATE_TMP/err" || fail "no 'has no backend' line"
echo "validate: OK and INVALID configurations reported"
