#!/usr/bin/env bash
# protogate benchmark: protogate vs grpc-gateway (the peer) vs one nginx proxy hop,
# loopback only, on the bench.v1.Bookstore service of ../shared/tools/peer.
#
#   bash tools/bench/run.sh                       # default: 3 interleaved runs x 10 s per case
#   DURATION=3 REPEAT=3 bash tools/bench/run.sh   # smoke (~2 min)
#
# What it does (every step bounded; all processes it starts are stopped on exit):
#   1. builds protogate (tools/build.sh protogate -> build/), and the peers with
#      WITH_NGINX=1 ../shared/tools/peer/build-peer.sh $PEER_DIR
#   2. starts the peers' bench_server backend (127.0.0.1:50051) and grpc-gateway
#      (127.0.0.1:8081, CPU 0) with run-peer.sh, and the nginx baselines
#      (nginx-baseline.sh: proxy 127.0.0.1:8082 on CPU 0 -> trivial nginx 127.0.0.1:8090)
#   3. makes a descriptor set for bench.proto (protoc --include_imports, google/api from
#      the repo's proto/ dir) and starts protogate pinned to CPU 0 (`taskset -c 0`),
#      --io_threads 1, on 127.0.0.1:9090 -> 127.0.0.1:50051
#   4. runs the cases through ../shared/tools/peer/bench.sh (wrk on CPU 1, c=CONNS),
#      one run at a time, interleaved (run 1 of every case, then run 2, ...):
#        get   GET  /v1/shelves/1/books/42   one book (419 B JSON)
#        list  GET  /v1/shelves/1/books      20 books (~8.4 KB JSON)
#        post  POST /v1/shelves/1/books      a book as JSON body
#        nginx the nginx HTTP/1.1 keep-alive proxy hop, same GET, no transcoding
#              (the limit reference for "GET >= 1.0x nginx proxy hop")
#      and reads the front process' CPU time (/proc/PID/stat utime+stime) around each run:
#      CPU us per request = CPU time delta / requests completed.
#   5. idle RSS of protogate (at start, and again after the load), and RSS per idle
#      keep-alive connection (tools/bench/idle_conns.py opens IDLE_CONNS connections,
#      then sends one keep-alive GET on each; VmRSS before/after).
#   6. prints a Markdown table: median rps, p50, p99, CPU us/request per case and server,
#      the ratios protogate/grpc-gateway and protogate/nginx-proxy, and the targets.
#
#   7. the aggregated case (CASES "agg"): GET /v1/shelves/1/quartet?a=..&d=.. on protogate,
#      answered by the 4-step plan of tools/bench/bench_agg.proto (four parallel GetBook
#      calls to bench_server), run with wrk like the others and compared with the sum of
#      four single protogate GETs (4 x the "get" case's p50 and CPU us/request).
#   8. the backend alone (CASES "direct"): the same GetBook as gRPC from h2load (one
#      connection, CONNS streams, CPU 1), no gateway: the ceiling any gateway in front
#      of bench_server can reach on this machine; its CPU column is the backend's.
#   9. every edge stage on (CASES "allstages", issue 22): the same GET through a second
#      protogate (PG_ALL_ADDR, same pinning and threads) configured with JWT auth (RS256,
#      every request the same token, so a verified-token cache hit), a local rate limit
#      that never refuses, CORS (requests carry an allowed Origin), metrics, a JSON access
#      log to a file and tracing at sample_ratio 0.01 exporting over OTLP to bench_server
#      (it answers Export with UNIMPLEMENTED: spans are still built, batched and sent).
#      Compared with the bare "get" case's CPU us/request (goal <= 1.15x).
#  10. the server-streaming relay (CASES "stream"): GET /v1/shelves/1/books:stream?repeat=
#      STREAM_REPEAT (demo_bookstore's StreamBooks, every book of shelf 1 STREAM_REPEAT
#      times) as NDJSON through a third protogate (PG_STREAM_ADDR) and through grpc-gateway
#      1.6.4 generated for that method (tools/bench/stream/, built into PEER_DIR; the
#      shared peer has no streaming method), both in front of one demo_bookstore
#      (DEMO_ADDR, CPUs 0,1 like bench_server). wrk c=STREAM_CONNS; one request = one
#      stream of MSGS messages (counted at start-up); the figure is messages per CPU-second
#      of the gateway, protogate's / grpc-gateway's (goal >= 5x).
#  11. c=256 (CASES "c256"): the "get" case through bench.sh at CONNS=C256_CONNS on
#      protogate and grpc-gateway: p99 protogate / grpc-gateway (goal <= 0.3x).
#  12. the issue-22 table: each figure as the median of the per-run ratios (run r of the
#      numerator over run r of the denominator, seconds apart), their min-max and the goal.
#
# Env knobs:
#   DURATION=10 REPEAT=3 CONNS=32     per run seconds, runs per case (>= 3 for medians), wrk -c
#   CASES="get list post nginx agg direct allstages stream c256"   subset/order of the cases
#   STREAM_REPEAT=100 STREAM_CONNS=8 C256_CONNS=256   the stream and c256 cases
#   PG_ALL_ADDR=127.0.0.1:9091 PG_STREAM_ADDR=127.0.0.1:9092 DEMO_ADDR=127.0.0.1:50061
#   STREAM_GW_ADDR=127.0.0.1:8084     the extra processes of those cases
#   PEER_DIR=/tmp/protogate-peer      scratch dir for the peers' build (build-peer.sh OUT)
#   PEER_TOOLS=<repo>/../shared/tools/peer
#   OUT=/tmp/protogate-bench/<UTC time>   results (runs.tsv, summary.md, raw wrk output, logs)
#   PG_ADDR=127.0.0.1:9090 PG_CPUS=0 PG_IO_THREADS=1 PG_EXTRA_FLAGS=
#                                     PG_IO_THREADS=default: no --io_threads (protogate's own
#                                     default, what users run); applies to every protogate
#   IDLE_CONNS=10000                  0 skips the idle-connection measurement
#   SKIP_BUILD=0 SKIP_PEER_BUILD=0    1 = reuse what is built (PROTOGATE_BIN= to point at a binary)
#   IDLE_PCT / IDLE_WAIT / LOADGEN_CPUS  passed through to bench.sh
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/tools/bench"
PEER_TOOLS="${PEER_TOOLS:-$REPO/../shared/tools/peer}"
PEER_DIR="${PEER_DIR:-/tmp/protogate-peer}"
DURATION="${DURATION:-10}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-32}"
CASES="${CASES:-get list post nginx agg direct allstages stream c256}"
PG_ADDR="${PG_ADDR:-127.0.0.1:9090}"
PG_ALL_ADDR="${PG_ALL_ADDR:-127.0.0.1:9091}"
PG_STREAM_ADDR="${PG_STREAM_ADDR:-127.0.0.1:9092}"
DEMO_ADDR="${DEMO_ADDR:-127.0.0.1:50061}"
STREAM_GW_ADDR="${STREAM_GW_ADDR:-127.0.0.1:8084}"
STREAM_REPEAT="${STREAM_REPEAT:-100}"
STREAM_CONNS="${STREAM_CONNS:-8}"
C256_CONNS="${C256_CONNS:-256}"
PG_CPUS="${PG_CPUS-0}"
PG_IO_THREADS="${PG_IO_THREADS:-1}"
PG_EXTRA_FLAGS="${PG_EXTRA_FLAGS:-}"
BACKEND_ADDR=127.0.0.1:50051
IDLE_CONNS="${IDLE_CONNS:-10000}"
OUT="${OUT:-/tmp/protogate-bench/$(date -u +%Y%m%dT%H%M%SZ)}"
export DURATION CONNS

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for a in "$PG_ADDR" "$PG_ALL_ADDR" "$PG_STREAM_ADDR" "$DEMO_ADDR" "$STREAM_GW_ADDR"; do
  case "$a" in 127.*:*) ;; *) die "$a: every address must be a loopback HOST:PORT" ;; esac
done
case "$PG_IO_THREADS" in default) IO_FLAG=() ;; *[!0-9]*|"") die "PG_IO_THREADS must be a number or default" ;;
  *) IO_FLAG=(--io_threads "$PG_IO_THREADS") ;; esac
has_case() { [[ " $CASES " == *" $1 "* ]]; }
[ "$REPEAT" -ge 1 ] || die "REPEAT must be >= 1"
[ -x "$PEER_TOOLS/bench.sh" ] || [ -f "$PEER_TOOLS/bench.sh" ] || die "peer tools not found in $PEER_TOOLS"
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
log "results in $OUT"

# ------------------------------------------------------------------ 1. builds
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building protogate (tools/build.sh protogate; first time ~10 min)"
  targets=(protogate)
  has_case stream && targets+=(demo_bookstore protogate_bookstore_descriptors)
  bash "$REPO/tools/build.sh" "${targets[@]}" >"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log" >&2; die "protogate build failed (log: $OUT/build.log)"; }
fi
PG_BIN="${PROTOGATE_BIN:-}"
if [ -z "$PG_BIN" ]; then
  PG_BIN="$(find "$REPO/${BUILD_DIR:-build}" -type f -name protogate -perm -u+x 2>/dev/null | head -1)"
fi
[ -n "$PG_BIN" ] && [ -x "$PG_BIN" ] || die "protogate binary not found (build it, or set PROTOGATE_BIN)"

if [ "${SKIP_PEER_BUILD:-0}" != 1 ]; then
  log "building the peers into $PEER_DIR (build-peer.sh, WITH_NGINX=1)"
  WITH_NGINX=1 bash "$PEER_TOOLS/build-peer.sh" "$PEER_DIR" >"$OUT/peer-build.log" 2>&1 ||
    { tail -30 "$OUT/peer-build.log" >&2; die "peer build failed (log: $OUT/peer-build.log)"; }
fi
[ -x "$PEER_DIR/bin/bench_server" ] && [ -x "$PEER_DIR/bin/bench_gateway" ] ||
  die "peer binaries missing in $PEER_DIR/bin"
if has_case stream; then
  if [ "${SKIP_PEER_BUILD:-0}" != 1 ] || [ ! -x "$PEER_DIR/bin/bench_stream_gateway" ]; then
    log "building grpc-gateway for StreamBooks (tools/bench/stream/build.sh $PEER_DIR)"
    bash "$HERE/stream/build.sh" "$PEER_DIR" >"$OUT/stream-gateway-build.log" 2>&1 ||
      { tail -30 "$OUT/stream-gateway-build.log" >&2; die "stream gateway build failed"; }
  fi
  BUILD_TREE="$REPO/${BUILD_DIR:-build}"
  DEMO_BIN="${DEMO_BIN:-$BUILD_TREE/tools/demo/demo_bookstore}"
  DEMO_DESCRIPTORS="${DEMO_DESCRIPTORS:-$BUILD_TREE/proto/bookstore.binpb}"
  [ -x "$DEMO_BIN" ] && [ -f "$DEMO_DESCRIPTORS" ] ||
    die "stream case: $DEMO_BIN or $DEMO_DESCRIPTORS missing (build demo_bookstore protogate_bookstore_descriptors)"
fi
# python3 runs idle_conns.py; the peer build installed wrk, curl and nginx.
"$REPO/tools/install-deps.sh" python3
for t in wrk taskset protoc curl python3 nginx; do
  command -v "$t" >/dev/null || die "$t not found"
done

# ------------------------------------------------------------------ 2./3. start
port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
for hp in "$BACKEND_ADDR" 127.0.0.1:8081 127.0.0.1:8082 127.0.0.1:8083 127.0.0.1:8090 "$PG_ADDR" \
          "$PG_ALL_ADDR" "$PG_STREAM_ADDR" "$DEMO_ADDR" "$STREAM_GW_ADDR"; do
  port_busy "$hp" && die "$hp is already in use (another benchmark or demo running?)"
done

PG_PID=""
STARTED=()  # the processes this script starts itself (protogates, demo_bookstore, stream gateway)
cleanup() {
  set +e
  local p
  for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  bash "$PEER_TOOLS/nginx-baseline.sh" stop "$PEER_DIR" >/dev/null 2>&1
  bash "$PEER_TOOLS/run-peer.sh" stop "$PEER_DIR" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting bench_server + grpc-gateway (run-peer.sh) and nginx (nginx-baseline.sh)"
bash "$PEER_TOOLS/run-peer.sh" start "$PEER_DIR" >"$OUT/peer-start.log" 2>&1 ||
  { cat "$OUT/peer-start.log" >&2; die "run-peer.sh start failed"; }
if [[ " $CASES " == *" nginx "* ]]; then
  bash "$PEER_TOOLS/nginx-baseline.sh" start "$PEER_DIR" >>"$OUT/peer-start.log" 2>&1 ||
    { cat "$OUT/peer-start.log" >&2; die "nginx-baseline.sh start failed"; }
fi

log "descriptor set for bench.proto and the aggregated case (bench_agg.proto)"
protoc -I "$PEER_TOOLS" -I "$HERE" -I "$REPO/proto" -I /usr/include --include_imports \
  --descriptor_set_out="$OUT/bench.binpb" "$PEER_TOOLS/bench.proto" "$HERE/bench_agg.proto"
AGG_URL="http://$PG_ADDR/v1/shelves/1/quartet?a=42&b=43&c=44&d=45"

# Idle keep-alive connections need one fd each in the gateway and in the client.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
PIN=(); [ -n "$PG_CPUS" ] && PIN=(taskset -c "$PG_CPUS")
# start_bg NAME HOST:PORT CMD...: starts CMD (log $OUT/NAME.log), waits (10 s at most)
# for HOST:PORT to accept connections; the pid is in STARTED_PID.
start_bg() {
  local name=$1 hp=$2; shift 2
  "$@" >"$OUT/$name.log" 2>&1 &
  STARTED_PID=$!
  STARTED+=("$STARTED_PID")
  for _ in $(seq 1 100); do port_busy "$hp" && break; sleep 0.1; done
  port_busy "$hp" || { cat "$OUT/$name.log" >&2; die "$name did not start on $hp"; }
}
log "starting protogate ($PG_BIN) on $PG_ADDR, cpus=${PG_CPUS:-any}, io_threads=$PG_IO_THREADS"
# shellcheck disable=SC2086
start_bg protogate "$PG_ADDR" "${PIN[@]}" "$PG_BIN" --listen "$PG_ADDR" \
  --descriptor_set "$OUT/bench.binpb" --backend "bench.v1=$BACKEND_ADDR" "${IO_FLAG[@]}" $PG_EXTRA_FLAGS
PG_PID=$STARTED_PID

# 9. allstages: a second protogate with every edge stage on. The RS256 key, its JWKS
# file and a token valid for 12 h are made here (openssl + python3-jwt, as auth.sh does).
ALL_ORIGIN=https://app.example.test
if has_case allstages; then
  A="$OUT/allstages"; mkdir -p "$A"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$A/rs.pem" 2>/dev/null
  /usr/bin/python3 - "$A" <<'PYEOF'
import json, sys, time, jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
d = sys.argv[1]
pem = open(d + "/rs.pem", "rb").read()
jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(load_pem_private_key(pem, None).public_key()))
jwk.update(kid="rs", use="sig", alg="RS256")
json.dump({"keys": [jwk]}, open(d + "/rs.jwks.json", "w"))
claims = {"iss": "https://id.example.test", "sub": "bench", "aud": "bench-api",
          "scope": "bench.read", "exp": int(time.time()) + 12 * 3600}
open(d + "/rs.token", "w").write(jwt.encode(claims, pem, algorithm="RS256", headers={"kid": "rs"}))
PYEOF
  ALL_TOKEN=$(cat "$A/rs.token")
  cat >"$A/protogate.yaml" <<YAML
listen: $PG_ALL_ADDR
descriptors: {descriptor_sets: ["$OUT/bench.binpb"]}
backends: [{service: bench.v1, target: "$BACKEND_ADDR"}]
auth:
  jwt_providers:
    - {name: bench, issuer: "https://id.example.test", audiences: [bench-api],
       jwks_file: "$A/rs.jwks.json", forward_claims: {sub: x-user-id}}
method_defaults: {auth: {scopes: [bench.read]}}
rate_limits:
  policies:
    - {name: bench, key: client_ip, requests: 100000000, per: 1s}
cors:
  allow_origins: ["$ALL_ORIGIN"]
  allow_headers: [authorization, content-type]
  expose_headers: [x-request-id]
metrics: {enabled: true}
logging: {access_log: {path: "$A/access.log", format: json}}
tracing: {sample_ratio: 0.01, otlp: {endpoint: "$BACKEND_ADDR"}}
YAML
  log "starting protogate with every edge stage ($A/protogate.yaml) on $PG_ALL_ADDR"
  # shellcheck disable=SC2086
  start_bg protogate-allstages "$PG_ALL_ADDR" "${PIN[@]}" "$PG_BIN" --config "$A/protogate.yaml" \
    "${IO_FLAG[@]}" $PG_EXTRA_FLAGS
  PG_ALL_PID=$STARTED_PID
fi

# 10. stream: demo_bookstore, a third protogate and grpc-gateway for StreamBooks.
STREAM_PATH="/v1/shelves/1/books:stream?repeat=$STREAM_REPEAT"
if has_case stream; then
  log "starting demo_bookstore on $DEMO_ADDR, the stream protogate on $PG_STREAM_ADDR, grpc-gateway on $STREAM_GW_ADDR"
  start_bg demo-bookstore "$DEMO_ADDR" taskset -c "${BACKEND_CPUS:-0,1}" "$DEMO_BIN" --listen "$DEMO_ADDR"
  DEMO_PID=$STARTED_PID
  # shellcheck disable=SC2086
  start_bg protogate-stream "$PG_STREAM_ADDR" "${PIN[@]}" "$PG_BIN" --listen "$PG_STREAM_ADDR" \
    --descriptor_set "$DEMO_DESCRIPTORS" --backend "demo.bookstore=$DEMO_ADDR" "${IO_FLAG[@]}" $PG_EXTRA_FLAGS
  PG_STREAM_PID=$STARTED_PID
  start_bg stream-gateway "$STREAM_GW_ADDR" taskset -c "${GATEWAY_CPUS:-0}" \
    "$PEER_DIR/bin/bench_stream_gateway" -listen "$STREAM_GW_ADDR" -backend "$DEMO_ADDR"
  SGW_PID=$STARTED_PID
fi

# Smoke: same routes answer 200 on both gateways (bodies are saved for comparison).
for gw in "$PG_ADDR" 127.0.0.1:8081; do
  tag=$([ "$gw" = "$PG_ADDR" ] && echo protogate || echo grpc-gateway)
  for what in get list post; do
    case $what in
      get)  args=("http://$gw/v1/shelves/1/books/42") ;;
      list) args=("http://$gw/v1/shelves/1/books") ;;
      post) args=(-X POST -H 'Content-Type: application/json'
                  --data-binary @"$PEER_DIR/bench/createbook.json" "http://$gw/v1/shelves/1/books") ;;
    esac
    code=$(curl -sS --max-time 5 -o "$OUT/smoke-$tag-$what.json" -w '%{http_code}' "${args[@]}" || echo 000)
    [ "$code" = 200 ] || { cat "$OUT/smoke-$tag-$what.json" >&2; die "$tag $what: HTTP $code"; }
    log "smoke $tag $what: HTTP 200, $(wc -c <"$OUT/smoke-$tag-$what.json") bytes"
  done
done
code=$(curl -sS --max-time 5 -o "$OUT/smoke-protogate-agg.json" -w '%{http_code}' "$AGG_URL" || echo 000)
[ "$code" = 200 ] || { cat "$OUT/smoke-protogate-agg.json" >&2; die "protogate agg: HTTP $code"; }
log "smoke protogate agg: HTTP 200, $(wc -c <"$OUT/smoke-protogate-agg.json") bytes"
ALL_URL="http://$PG_ALL_ADDR/v1/shelves/1/books/42"
if has_case allstages; then
  code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$ALL_URL" || echo 000)
  [ "$code" = 401 ] || die "protogate allstages without a token: HTTP $code (want 401)"
  code=$(curl -sS --max-time 5 -D "$OUT/smoke-protogate-allstages.head" -o "$OUT/smoke-protogate-allstages.json" \
    -w '%{http_code}' -H "Authorization: Bearer $ALL_TOKEN" -H "Origin: $ALL_ORIGIN" "$ALL_URL" || echo 000)
  [ "$code" = 200 ] || { cat "$OUT/smoke-protogate-allstages.json" >&2; die "protogate allstages: HTTP $code"; }
  grep -qi "^access-control-allow-origin: $ALL_ORIGIN" "$OUT/smoke-protogate-allstages.head" ||
    die "protogate allstages: no CORS header in the answer"
  grep -qi '^ratelimit-limit:' "$OUT/smoke-protogate-allstages.head" ||
    die "protogate allstages: no RateLimit header in the answer"
  cmp -s "$OUT/smoke-protogate-allstages.json" "$OUT/smoke-protogate-get.json" ||
    die "protogate allstages: the body differs from the bare GET's"
  log "smoke protogate allstages: 401 without a token, 200 with it (CORS and RateLimit headers), same body as get"
fi
MSGS=0
if has_case stream; then
  for gw in "$PG_STREAM_ADDR" "$STREAM_GW_ADDR"; do
    tag=$([ "$gw" = "$PG_STREAM_ADDR" ] && echo protogate || echo grpc-gateway)
    code=$(curl -sS --max-time 10 -H 'Accept: application/x-ndjson' -o "$OUT/smoke-$tag-stream.ndjson" \
      -w '%{http_code}' "http://$gw$STREAM_PATH" || echo 000)
    [ "$code" = 200 ] || { head -c 600 "$OUT/smoke-$tag-stream.ndjson" >&2; die "$tag stream: HTTP $code"; }
    n=$(grep -c . "$OUT/smoke-$tag-stream.ndjson" || true)
    log "smoke $tag stream: HTTP 200, $n NDJSON lines, $(wc -c <"$OUT/smoke-$tag-stream.ndjson") bytes"
    if [ "$tag" = protogate ]; then MSGS=$n; else [ "$n" = "$MSGS" ] || die "stream: protogate sent $MSGS messages, grpc-gateway $n"; fi
  done
  [ "$MSGS" -gt 0 ] || die "stream: no messages"
fi

vmrss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
sleep 1
RSS_START_KB=$(vmrss_kb "$PG_PID")
PG_THREADS=$(awk '/^Threads:/{print $2}' "/proc/$PG_PID/status")
log "protogate idle RSS at start: $RSS_START_KB kB"

# ------------------------------------------------------------------ 4. load
CLK_TCK=$(getconf CLK_TCK)
ticks_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12+$13}'; }
nginx_workers() { local f="$PEER_DIR/nginx/$1/nginx.pid"; [ -f "$f" ] && pgrep -P "$(cat "$f")" || true; }
nginx_proxy_pids() { nginx_workers proxy; }
nginx_backend_pids() { nginx_workers backend; }
sum_ticks() { local t=0 p x; for p in "$@"; do x=$(ticks_of "$p"); t=$((t + ${x:-0})); done; echo "$t"; }
# Busy ticks of the whole machine (every CPU: user nice system irq softirq steal):
# shows whether the run was bound by the machine rather than by the front process.
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# bench.sh case names per (case, server)
declare -A BENCH_CASE=(
  [get:protogate]="rest-get@$PG_ADDR"   [get:grpc-gateway]=rest-get
  [list:protogate]="rest-list@$PG_ADDR" [list:grpc-gateway]=rest-list
  [post:protogate]="rest-post@$PG_ADDR" [post:grpc-gateway]=rest-post
  [nginx:nginx-proxy]=nginx-http-proxy
  [c256:protogate]="rest-get@$PG_ADDR" [c256:grpc-gateway]=rest-get
)
RUNS=()
for c in $CASES; do
  case $c in
    get|list|post) RUNS+=("$c:protogate" "$c:grpc-gateway") ;;
    nginx) RUNS+=("nginx:nginx-proxy") ;;
    agg) RUNS+=("agg:protogate") ;;
    direct) RUNS+=("direct:backend") ;;
    allstages) RUNS+=("allstages:protogate") ;;
    stream|c256) RUNS+=("$c:protogate" "$c:grpc-gateway") ;;
    *) die "unknown case $c (get list post nginx agg direct allstages stream c256)" ;;
  esac
done

# The cases bench.sh does not know (agg, allstages, stream): wrk pinned like bench.sh
# pins it, after the same bounded wait for a quiet machine, with the same summary.tsv
# columns (time case run rps avg p50 p99 errs bg).
bg_busy() {  # whole-machine CPU busy % over 1 s, as bench.sh measures it
  local a b u1 n1 s1 i1 w1 q1 sq1 st1 u2 n2 s2 i2 w2 q2 sq2 st2
  read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 _ </proc/stat
  sleep 1
  read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 _ </proc/stat
  a=$(((u2 + n2 + s2 + q2 + sq2 + st2) - (u1 + n1 + s1 + q1 + sq1 + st1)))
  b=$((a + (i2 + w2) - (i1 + w1)))
  [ "$b" -gt 0 ] && echo $((100 * a / b)) || echo 0
}
wrk_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000}
  else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0}
  else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000}
  else print "NA" }'; }
run_wrk_case() {  # $1 = result dir, $2 = case, $3 = connections, $4 = URL, $5... = wrk options
  local dir=$1 name=$2 conns=$3 url=$4 raw="$1/wrk-$2.txt" lpin=() bg=NA
  shift 4
  [ -n "${LOADGEN_CPUS-1}" ] && lpin=(taskset -c "${LOADGEN_CPUS-1}")
  for _ in $(seq 1 "${IDLE_WAIT:-30}"); do bg=$(bg_busy); [ "$bg" -le "${IDLE_PCT:-10}" ] && break; done
  timeout $((DURATION + 30)) "${lpin[@]}" wrk -t1 -c"$conns" -d"${DURATION}s" --latency "$@" \
    "$url" >"$raw" 2>&1 || true
  printf 'time\tcase\trun\trps\tavg\tp50\tp99\terrs\tbg\n' >"$dir/summary.tsv"
  printf '%s\t%s\t1\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%H:%M:%S)" "$name" \
    "$(awk '/^Requests\/sec:/{print $2}' "$raw")" \
    "$(wrk_ms "$(awk '$1=="Latency" && NF>=5 {print $2; exit}' "$raw")")" \
    "$(wrk_ms "$(awk '$1=="50%"{print $2}' "$raw")")" \
    "$(wrk_ms "$(awk '$1=="99%"{print $2}' "$raw")")" \
    "$(awk '/Non-2xx or 3xx responses:/{n+=$NF} /Socket errors:/{for(i=1;i<=NF;i++) if($i ~ /^[0-9]+,?$/) {gsub(",","",$i); n+=$i}} END{print n+0}' "$raw")" \
    "$bg" >>"$dir/summary.tsv"
}

# The backend alone: the same GetBook as gRPC straight from h2load (one HTTP/2
# connection, CONNS concurrent streams, as a gateway multiplexes), load generator on
# the same CPU as wrk. No gateway: the most any gateway in front of it could reach
# here. h2load prints no percentiles: p50/p99 are NA.
DIRECT_BODY="$OUT/getbook.grpc"
if [[ " $CASES " == *" direct "* ]]; then
  "$REPO/tools/install-deps.sh" nghttp2-client >/dev/null  # h2load.
  echo 'shelf: 1 book: 42' | protoc -I "$PEER_TOOLS" -I "$REPO/proto" -I /usr/include \
    --encode=bench.v1.GetBookRequest "$PEER_TOOLS/bench.proto" >"$OUT/getbook.bin"
  python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b"\0"+struct.pack(">I",len(d))+d)' \
    "$OUT/getbook.bin" "$DIRECT_BODY"
fi
run_direct() {  # $1 = result dir
  local raw="$1/h2load-direct.txt" lpin=()
  [ -n "${LOADGEN_CPUS-1}" ] && lpin=(taskset -c "${LOADGEN_CPUS-1}")
  timeout $((DURATION + 30)) "${lpin[@]}" h2load -c1 -m"$CONNS" -D "$DURATION" \
    -d "$DIRECT_BODY" -H 'content-type: application/grpc' -H 'te: trailers' \
    "http://$BACKEND_ADDR/bench.v1.Bookstore/GetBook" >"$raw" 2>&1 || true
  printf 'time\tcase\trun\trps\tavg\tp50\tp99\terrs\tbg\n' >"$1/summary.tsv"
  printf '%s\tdirect\t1\t%s\tNA\tNA\tNA\t%s\tNA\n' "$(date -u +%H:%M:%S)" \
    "$(awk '/^finished in/{gsub(",","",$4); print $4}' "$raw")" \
    "$(awk '/^requests:/{print $10 + $12}' "$raw")" >>"$1/summary.tsv"
}

TSV="$OUT/runs.tsv"
printf 'case\tserver\trun\trps\tp50_ms\tp99_ms\terrors\trequests\tcpu_s\tcpu_us_per_req\tcpu_pct\tbackend_cpu_pct\tbg_pct\tmachine_cpu_pct\n' >"$TSV"
BE_PID=$(cat "$PEER_DIR/run/backend.pid")
GG_PID=$(cat "$PEER_DIR/run/gateway.pid")
log "load: ${#RUNS[@]} runs x REPEAT=$REPEAT x ${DURATION}s, c=$CONNS (bench.sh, interleaved)"
for r in $(seq 1 "$REPEAT"); do
  for k in "${RUNS[@]}"; do
    c="${k%%:*}"; s="${k#*:}"; bc="${BENCH_CASE[$k]:-}"
    case $c:$s in
      allstages:protogate) pids=("$PG_ALL_PID") ;;
      stream:protogate) pids=("$PG_STREAM_PID") ;;
      stream:grpc-gateway) pids=("$SGW_PID") ;;
      *:protogate) pids=("$PG_PID") ;;
      *:grpc-gateway) pids=("$GG_PID") ;;
      *:nginx-proxy) mapfile -t pids < <(nginx_proxy_pids) ;;
      *:backend) pids=("$BE_PID") ;;
    esac
    # backend column: bench_server, demo_bookstore (stream) or the trivial nginx HTTP
    # backend's worker(s)
    be_pids=("$BE_PID")
    [ "$s" = nginx-proxy ] && mapfile -t be_pids < <(nginx_backend_pids)
    [ "$c" = stream ] && be_pids=("$DEMO_PID")
    res="$OUT/raw/r$r-$c-$s"
    mkdir -p "$res"
    t0=$(sum_ticks "${pids[@]}"); b0=$(sum_ticks "${be_pids[@]}"); w0=$(date +%s.%N); m0=$(machine_ticks)
    case $c:$s in
      agg:*) run_wrk_case "$res" agg "$CONNS" "$AGG_URL" ;;
      allstages:*) run_wrk_case "$res" allstages "$CONNS" "$ALL_URL" \
                     -H "Authorization: Bearer $ALL_TOKEN" -H "Origin: $ALL_ORIGIN" ;;
      stream:protogate) run_wrk_case "$res" stream "$STREAM_CONNS" "http://$PG_STREAM_ADDR$STREAM_PATH" \
                          -H 'Accept: application/x-ndjson' ;;
      stream:grpc-gateway) run_wrk_case "$res" stream "$STREAM_CONNS" "http://$STREAM_GW_ADDR$STREAM_PATH" \
                             -H 'Accept: application/x-ndjson' ;;
      direct:*) run_direct "$res" ;;
      c256:*) CONNS=$C256_CONNS REPEAT=1 RESULTS="$res" bash "$PEER_TOOLS/bench.sh" "$PEER_DIR" "$bc" \
                >"$res/bench.out" 2>&1 || true ;;
      *) REPEAT=1 RESULTS="$res" bash "$PEER_TOOLS/bench.sh" "$PEER_DIR" "$bc" >"$res/bench.out" 2>&1 || true ;;
    esac
    t1=$(sum_ticks "${pids[@]}"); b1=$(sum_ticks "${be_pids[@]}"); w1=$(date +%s.%N); m1=$(machine_ticks)
    mpct=$(awk -v m=$((m1 - m0)) -v hz="$CLK_TCK" -v d="$DURATION" 'BEGIN{printf "%.0f", 100 * (m / hz) / d}')
    for p in "${STARTED[@]}"; do kill -0 "$p" 2>/dev/null || die "process $p died (logs in $OUT)"; done
    # summary.tsv: time case run rps avg p50 p99 errs bg cpu
    row=$(awk -F'\t' 'NR==2' "$res/summary.tsv" 2>/dev/null)
    rps=$(cut -f4 <<<"$row"); p50=$(cut -f6 <<<"$row"); p99=$(cut -f7 <<<"$row")
    errs=$(cut -f8 <<<"$row"); bg=$(cut -f9 <<<"$row")
    raw=$(ls "$res"/*.txt 2>/dev/null | head -1)
    reqs=$(awk '/ requests in /{print $1; exit} /^requests:/{print $8; exit}' "$raw" 2>/dev/null)
    # bench.sh waits (bounded) for an idle machine before the load: the wall time w1-w0
    # includes that, so CPU% is over the wrk duration only.
    read -r cpu_s us pct bpct < <(awk -v t=$((t1 - t0)) -v b=$((b1 - b0)) -v hz="$CLK_TCK" \
      -v n="${reqs:-0}" -v d="$DURATION" 'BEGIN{
        s = t / hz; printf "%.2f %s %.0f %.0f\n", s, (n > 0 ? sprintf("%.1f", s * 1e6 / n) : "NA"),
          100 * s / d, 100 * (b / hz) / d }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$s" "$r" "${rps:-NA}" \
      "${p50:-NA}" "${p99:-NA}" "${errs:-NA}" "${reqs:-NA}" "$cpu_s" "$us" "$pct" "$bpct" "${bg:-NA}" "$mpct" >>"$TSV"
    log "$(printf 'run %s %-5s %-12s rps=%-9s p50=%-6s p99=%-6s cpu/req=%sus cpu=%s%% backend=%s%% machine=%s%% errs=%s bg=%s%%' \
      "$r" "$c" "$s" "${rps:-NA}" "${p50:-NA}" "${p99:-NA}" "$us" "$pct" "$bpct" "$mpct" "${errs:-NA}" "${bg:-NA}")"
  done
done

# ------------------------------------------------------------------ 5. memory
sleep 2
RSS_AFTER_KB=$(vmrss_kb "$PG_PID")
IDLE_LINE=""
if [ "$IDLE_CONNS" -gt 0 ]; then
  log "idle keep-alive connections: $IDLE_CONNS"
  IDLE_LINE=$(python3 "$HERE/idle_conns.py" --pid "$PG_PID" --target "$PG_ADDR" \
    --conns "$IDLE_CONNS" 2>>"$OUT/idle_conns.log" | tail -1) || true
  echo "$IDLE_LINE" >>"$OUT/idle_conns.log"
  log "$IDLE_LINE"
fi
idle_get() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$IDLE_LINE"; }

# ------------------------------------------------------------------ 6. report
SUMMARY="$OUT/summary.md"
{
  echo "## protogate benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)."
  echo "protogate: $PG_BIN (built $(date -u -r "$PG_BIN" '+%Y-%m-%d %H:%M UTC'); tree \`$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet 2>/dev/null || echo +dirty)\`), taskset -c ${PG_CPUS:-any}, $( [ "$PG_IO_THREADS" = default ] && echo "default thread count (no --io_threads)" || echo "--io_threads $PG_IO_THREADS"); $PG_THREADS threads in the process at start."
  echo "Load: wrk -t1 -c$CONNS on CPU ${LOADGEN_CPUS:-1}, ${DURATION}s per run, REPEAT=$REPEAT interleaved runs, medians of each metric$(has_case c256 && echo "; c256: c=$C256_CONNS")$(has_case stream && echo "; stream: c=$STREAM_CONNS, $MSGS messages per stream (StreamBooks repeat=$STREAM_REPEAT)")."
  echo "The machine was shared if the bg/machine CPU columns are high: only figures from a quiet machine count."
  echo "CPU us/req = front process (protogate / grpc-gateway / nginx proxy worker) utime+stime per completed request; backend = bench_server (nginx case: the trivial nginx backend), % of one core; machine = every process on all $(nproc) CPUs (load generator included), % of one core."
  echo
  echo "| case | server | rps | p50 ms | p99 ms | CPU us/req | front CPU % | backend CPU % | machine CPU % | errors |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' 'NR > 1 { k = $1 "\t" $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      for (i = 4; i <= 14; i++) v[k, i] = v[k, i] " " $i }
    function med(s,   a, m, i, j, t, x) {
      m = split(s, a, " "); x = 0
      for (i = 1; i <= m; i++) if (a[i] != "NA") b[++x] = a[i] + 0
      if (!x) return "NA"
      for (i = 2; i <= x; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
      return (x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2 }
    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, f, "\t")
        printf "| %s | %s | %.0f | %.2f | %.2f | %.1f | %.0f | %.0f | %.0f | %s |\n", f[1], f[2],
          med(v[k, 4]), med(v[k, 5]), med(v[k, 6]), med(v[k, 10]), med(v[k, 11]), med(v[k, 12]), med(v[k, 14]), med(v[k, 7]) } }' \
    "$TSV" | tee "$OUT/medians.md"
  echo
  echo "| ratio (protogate / peer) | get | list | post | target |"
  echo "| --- | ---: | ---: | ---: | --- |"
  awk -F'|' '{ for (i = 2; i <= NF; i++) gsub(/^ +| +$/, "", $i)
      k = $2 "/" $3; rps[k] = $4; p50[k] = $5; p99[k] = $6; us[k] = $7 }
    function r(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2fx", a / b) }
    END {
      printf "| rps vs grpc-gateway | %s | %s | %s | get >= 3x, list >= 10x, post >= 3x |\n",
        r(rps["get/protogate"], rps["get/grpc-gateway"]), r(rps["list/protogate"], rps["list/grpc-gateway"]),
        r(rps["post/protogate"], rps["post/grpc-gateway"])
      printf "| p99 vs grpc-gateway (c=32) | %s | %s | %s | <= 0.5x |\n",
        r(p99["get/protogate"], p99["get/grpc-gateway"]), r(p99["list/protogate"], p99["list/grpc-gateway"]),
        r(p99["post/protogate"], p99["post/grpc-gateway"])
      printf "| CPU us/req vs grpc-gateway | %s | %s | %s | (lower is better) |\n",
        r(us["get/protogate"], us["get/grpc-gateway"]), r(us["list/protogate"], us["list/grpc-gateway"]),
        r(us["post/protogate"], us["post/grpc-gateway"])
      printf "| rps vs nginx proxy hop | %s | | | get >= 1.0x |\n", r(rps["get/protogate"], rps["nginx/nginx-proxy"])
      printf "| CPU us/req vs nginx proxy hop | %s | | | (lower is better) |\n", r(us["get/protogate"], us["nginx/nginx-proxy"])
      if ("direct/backend" in rps)
        printf "| backend alone (h2load gRPC GetBook, no gateway) vs grpc-gateway GET | %s | | | the ceiling for get: no gateway in front of this backend on this machine can exceed it |\n",
          r(rps["direct/backend"], rps["get/grpc-gateway"])
    }' "$OUT/medians.md"
  # Same ratios per interleaved run (the two runs of a pair are seconds apart, so the
  # drift of a shared VM mostly cancels), then the median over the runs.
  awk -F'\t' 'NR > 1 { v[$1, $2, $3] = $4; p[$1, $2, $3] = $6; if ($3 > R) R = $3 }
    function med(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return n ? ((n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : "" }
    function pr(c, o, arr,   r, n, x) { n = 0; split("", x)
      for (r = 1; r <= R; r++) if ((c, "protogate", r) in arr && (c, o, r) in arr && arr[c, o, r] + 0 > 0 && arr[c, "protogate", r] != "NA")
        x[++n] = arr[c, "protogate", r] / arr[c, o, r]
      return n ? sprintf("%.2fx", med(x, n)) : "n/a" }
    END {
      printf "| rps vs grpc-gateway, median of per-run pairs | %s | %s | %s | |\n", pr("get", "grpc-gateway", v), pr("list", "grpc-gateway", v), pr("post", "grpc-gateway", v)
      printf "| p99 vs grpc-gateway, median of per-run pairs | %s | %s | %s | |\n", pr("get", "grpc-gateway", p), pr("list", "grpc-gateway", p), pr("post", "grpc-gateway", p)
      for (r = 1; r <= R; r++) if (("nginx", "nginx-proxy", r) in v) { v["get", "nginx-proxy", r] = v["nginx", "nginx-proxy", r] }
      printf "| rps vs nginx proxy hop, median of per-run pairs | %s | | | |\n", pr("get", "nginx-proxy", v)
    }' "$TSV"
  # The aggregated case against the sum of four single calls through protogate.
  awk -F'|' '{ for (i = 2; i <= NF; i++) gsub(/^ +| +$/, "", $i)
      k = $2 "/" $3; rps[k] = $4; p50[k] = $5; us[k] = $7 }
    function r(a, b) { return (a == "" || b == "" || b + 0 == 0) ? "n/a" : sprintf("%.2fx", a / b) }
    END {
      if ("agg/protogate" in rps) {
        printf "\n| aggregated (4 parallel GetBook) vs the sum of 4 single GETs | p50 | CPU us/req | rps |\n| --- | ---: | ---: | ---: |\n"
        printf "| agg / (4 x get), protogate | %s | %s | %s (vs get) |\n", r(p50["agg/protogate"], 4 * p50["get/protogate"]),
          r(us["agg/protogate"], 4 * us["get/protogate"]), r(rps["agg/protogate"], rps["get/protogate"])
      }
    }' "$OUT/medians.md"
  # The issue-22 table: each figure from per-run pairs (run r of both sides, seconds
  # apart), median and spread over the runs, and the goal.
  echo
  echo "### Issue 22 figures (per-run ratios: median [min-max] over the runs)"
  echo
  echo "| figure | measured | spread | goal | met |"
  echo "| --- | ---: | --- | --- | --- |"
  awk -F'\t' -v msgs="$MSGS" 'NR > 1 { val[10, $1, $2, $3] = $10; val[6, $1, $2, $3] = $6; if ($3 > R) R = $3 }
    function num(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ && x + 0 > 0 }
    # label; numerator case/server; denominator case/server (times k); column (10 CPU us/req,
    # 6 p99); inv = 1: denominator / numerator (a "more is better" figure); goal "<=" or ">="
    function fig(label, nc, ns, dc, ds, k, col, inv, op, goal,   r, a, b, n, x, i, j, t, med, ok) {
      n = 0; split("", x)
      for (r = 1; r <= R; r++) {
        a = val[col, nc, ns, r]; b = val[col, dc, ds, r]
        if (num(a) && num(b)) x[++n] = inv ? (k * b) / a : a / (k * b)
      }
      if (!n) { printf "| %s | n/a (case not run) | | %s %sx | |\n", label, op, goal; return }
      for (i = 2; i <= n; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
      med = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
      ok = (op == "<=") ? (med <= goal) : (med >= goal)
      printf "| %s | %.3fx | %.2f-%.2fx (%d runs) | %s %sx | %s |\n", label, med, x[1], x[n], n, op, goal, ok ? "yes" : "no"
    }
    END {
      fig("CPU us per GET / nginx proxy worker CPU us per GET", "get", "protogate", "nginx", "nginx-proxy", 1, 10, 0, "<=", "1.0")
      fig("CPU us per GET / grpc-gateway", "get", "protogate", "get", "grpc-gateway", 1, 10, 0, "<=", "0.2")
      fig("CPU us per 20-book list / grpc-gateway", "list", "protogate", "list", "grpc-gateway", 1, 10, 0, "<=", "0.05")
      fig("CPU of the 4-step plan / CPU of 4 single GETs", "agg", "protogate", "get", "protogate", 4, 10, 0, "<=", "0.8")
      fig("GET with auth (cached RS256), local rate limit, CORS, metrics, access log, tracing 1% / bare GET (CPU us)", "allstages", "protogate", "get", "protogate", 1, 10, 0, "<=", "1.15")
      fig("server-streaming relay, messages/s per CPU-second vs grpc-gateway NDJSON", "stream", "protogate", "stream", "grpc-gateway", 1, 10, 1, ">=", "5")
      fig("p99 at c=256 (GET) vs grpc-gateway", "c256", "protogate", "c256", "grpc-gateway", 1, 6, 0, "<=", "0.3")
    }' "$TSV"
  if has_case stream; then
    awk -F'|' -v m="$MSGS" '{ for (i = 2; i <= NF; i++) gsub(/^ +| +$/, "", $i); k = $2 "/" $3; rps[k] = $4; us[k] = $7 }
      END { for (s = 1; s <= 2; s++) { g = (s == 1) ? "protogate" : "grpc-gateway"; k = "stream/" g
          if (k in us && us[k] + 0 > 0)
            printf "\nstream, %s: %.0f messages/s, %.2f CPU us per message, %.0f messages per CPU-second (medians).", g, rps[k] * m, us[k] / m, 1e6 * m / us[k] } }' "$OUT/medians.md"
    echo
  fi
  echo
  echo "| memory (protogate) | measured | target |"
  echo "| --- | ---: | --- |"
  echo "| idle RSS at start | $(awk -v k="$RSS_START_KB" 'BEGIN{printf "%.1f MiB", k/1024}') | <= 30 MB |"
  echo "| idle RSS after the load | $(awk -v k="$RSS_AFTER_KB" 'BEGIN{printf "%.1f MiB", k/1024}') | |"
  if [ -n "$IDLE_LINE" ]; then
    echo "| RSS per idle keep-alive connection ($(idle_get conns) conns, 1 GET each, $(idle_get ok_responses) ok) | $(awk -v b="$(idle_get per_conn_keepalive_bytes)" 'BEGIN{printf "%.1f KiB", b/1024}') | <= 16 KiB |"
    echo "| RSS per connected, never-used connection | $(awk -v b="$(idle_get per_conn_connected_bytes)" 'BEGIN{printf "%.1f KiB", b/1024}') | |"
    echo "| RSS with $(idle_get conns) idle connections / after closing them | $(awk -v a="$(idle_get rss_keepalive_kb)" -v b="$(idle_get rss_after_close_kb)" 'BEGIN{printf "%.1f / %.1f MiB", a/1024, b/1024}') | |"
  fi
  echo
  echo "Command: \`DURATION=$DURATION REPEAT=$REPEAT CONNS=$CONNS PG_IO_THREADS=$PG_IO_THREADS CASES=\"$CASES\" bash tools/bench/run.sh\`; per-run rows: \`$TSV\`."
} >"$SUMMARY"
cat "$SUMMARY"
