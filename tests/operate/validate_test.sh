#!/usr/bin/env bash
# `protogate --validate`: the demo config gives one line per service and
# exit 0 without binding its port (which another process holds) or starting
# health checks; a config with mistakes gives every one of them with
# FILE:LINE:COLUMN and exit 1 (a start: the same lines, exit 2).
# Usage: validate_test.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=$(cd "$1" && pwd)
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

# Fields the config does not have, or of the wrong type: each one with
# FILE:LINE:COLUMN, in the order of the file, exit 1 (not 2).
bad=$OPERATE_TMP/bad.yaml
{
  echo "listen: 127.0.0.1:0"
  echo "descriptors:"
  echo "  descriptor_sets: [$build/proto/demo.binpb]"
  echo "clusters:"
  echo "  - name: books"
  echo "    endpoints: [127.0.0.1:1]"
  echo "    conect_timeout: 2s"
  echo "server: {io_threads: many}"
} >"$bad"
code=0
"$protogate" --validate --config "$bad" >"$OPERATE_TMP/out" \
  2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "bad fields: exit $code"
diff - "$OPERATE_TMP/err" <<EOF || fail "bad fields: not the lines above"
$bad:7:5: field "clusters[0].conect_timeout": unknown field
$bad:8:10: field "server.io_threads": expected uint32, got "many"
protogate: configuration INVALID
EOF
[[ ! -s $OPERATE_TMP/out ]] || fail "bad fields: stdout not empty"

# Values: every problem, each naming its cluster, route or method, with
# its FILE:LINE:COLUMN.
values=$OPERATE_TMP/values.yaml
cat >"$values" <<EOF
listen: 127.0.0.1:0
descriptors: {descriptor_sets: [$build/proto/demo.binpb]}
clusters:
  - name: books
    endpoints: ["books:99999"]
  - name: shelves
    endpoints: [shelves:1, shelves:1]
routes:
  - {service: demo.bookstore, cluster: bookz}
methods:
  - selector: demo.bookstore.v1.Bookstore.GetBook
    timeout: 0s
    retries: {max_attempts: 9}
EOF
code=0
"$protogate" --validate --config "$values" >"$OPERATE_TMP/out" \
  2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "bad values: exit $code"
diff - "$OPERATE_TMP/err" <<EOF || fail "bad values: not the lines above"
$values:5:17: clusters[0] "books": endpoints[0]: port of "books:99999" is out of range (0 to 65535)
$values:7:28: clusters[1] "shelves": endpoints[1]: duplicate endpoint "shelves:1" (also endpoints[0])
$values:9:31: routes[0] "demo.bookstore": cluster: unknown cluster "bookz"
$values:12:5: methods[0] "demo.bookstore.v1.Bookstore.GetBook": timeout: must be positive
$values:13:15: methods[0] "demo.bookstore.v1.Bookstore.GetBook": retries.max_attempts: 9 is out of range (1 to 5)
protogate: configuration INVALID
EOF

# A start with that config reports the same problems and exits 2 without
# binding its port.
code=0
"$protogate" --config "$values" >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" ||
  code=$?
cat "$OPERATE_TMP/err" >&2
((code == 2)) || fail "start with bad values: exit $code"
(($(grep -c "^protogate: $values:[0-9]*:[0-9]*: " "$OPERATE_TMP/err") == 5)) ||
  fail "start with bad values: not 5 problems"
! grep -q listening "$OPERATE_TMP/out" || fail "start with bad values listened"

# A bad flag names the program, then the INVALID line; exit 1.
code=0
"$protogate" --validate --config "$good" --nope=1 >"$OPERATE_TMP/out" \
  2>"$OPERATE_TMP/err" || code=$?
((code == 1)) || fail "bad flag: exit $code"
diff - "$OPERATE_TMP/err" <<EOF || fail "bad flag: not the lines above"
protogate: unknown flag --nope (see --help)
protogate: configuration INVALID
EOF

# A problem found while building (a service without a backend): exit 1.
code=0
"$protogate" --validate --descriptor_set "$build/proto/bookstore.binpb" \
  >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "no backend: exit $code"
grep -q 'protogate: service "demo.bookstore.v1.Bookstore" has no backend' \
  "$OPERATE_TMP/err" || fail "no 'has no backend' line"
# Building goes on after a problem: every plan whose steps lack a backend,
# at its .proto line, then every service without one, once each.
code=0
"$protogate" --validate --descriptor_set "$build/proto/demo.binpb" \
  >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" || code=$?
cat "$OPERATE_TMP/err" >&2
((code == 1)) || fail "demo without backends: exit $code"
(($(grep -c '^demo/storefront.proto:[0-9]*:[0-9]*: plan "demo.storefront.v1.Storefront.[A-Za-z]*": step ' \
  "$OPERATE_TMP/err") == 4)) || fail "not the 4 plans at their .proto lines"
for service in demo.bookstore.v1.Bookstore demo.storefront.v1.Catalog \
  demo.storefront.v1.Pricing demo.storefront.v1.Inventory \
  demo.storefront.v1.Reviews; do
  (($(grep -c "^protogate: service \"$service\" has no backend" \
    "$OPERATE_TMP/err") == 1)) || fail "$service: not reported once"
done
tail -1 "$OPERATE_TMP/err" | grep -qx 'protogate: configuration INVALID' ||
  fail "demo without backends: no INVALID line"

# A .proto file that does not compile: every protoc error, one per line,
# compiler style.
cat >"$OPERATE_TMP/bad.proto" <<'PROTO'
syntax = "proto3";
package x;
message A { int32 a = 1; strin b = 2; }
message B { Foo f = 1; }
service S { rpc M(A) returns (B); }
PROTO
code=0
(cd "$OPERATE_TMP" && "$protogate" --validate --proto bad.proto --proto_path .) \
  >"$OPERATE_TMP/out" 2>"$OPERATE_TMP/err" || code=$?
((code == 1)) || fail "bad proto: exit $code"
diff - "$OPERATE_TMP/err" <<'LINES' || fail "bad proto: not the lines above"
bad.proto:3:26: "strin" is not defined.
bad.proto:4:13: "Foo" is not defined.
protogate: configuration INVALID
LINES

echo "validate: OK and INVALID configurations reported"
