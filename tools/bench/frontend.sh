#!/usr/bin/env bash
# Front-end benchmark (issue 19): protogate terminating TLS itself against nginx with
# TLS (`ssl` + `http2`) in front of a backend, loopback only, one interleaved run.
#
#   bash tools/bench/frontend.sh                       # 3 interleaved runs x 10 s per case
#   DURATION=2 REPEAT=1 bash tools/bench/frontend.sh   # smoke (~1 min)
#   SERVERS=nginx bash tools/bench/frontend.sh         # the nginx side alone
#
# Cases (the same GET as tools/bench/run.sh's "get"; CPU 1 runs the load generator):
#   tls-h1  wrk -t1 -cCONNS https://HOST/v1/shelves/1/books/42: TLS + HTTP/1.1 keep-alive
#           (wrk offers no ALPN, so both servers answer in HTTP/1.1)
#   tls-h2  h2load -cH2_CONNS -mH2_STREAMS, the same GET over TLS + HTTP/2 (ALPN h2)
#   grpc    h2load -cGRPC_CONNS -mGRPC_STREAMS, gRPC bench.v1.Bookstore/GetBook over
#           TLS + HTTP/2 (content-type application/grpc, the body run.sh's "direct" sends)
# Servers (each pinned to PG_CPUS / NGX_PROXY_CPUS = CPU 0, like run.sh's gateways):
#   protogate  one process, `tls: {cert_file, key_file}` in its YAML config, ALPN h2 and
#              http/1.1 on one port (FRONT_PG_ADDR): REST transcoded to bench_server, and
#              gRPC passed through to bench_server (io_threads PG_IO_THREADS, or "default")
#   nginx      one worker, `listen ... ssl http2` (FRONT_NGX_ADDR): `location /` proxies the
#              GET over HTTP/1.1 keep-alive to a trivial nginx HTTP backend (NGX_BE_ADDR, the
#              same 419-byte JSON, like ../shared/tools/peer/nginx-baseline.sh: nginx cannot
#              transcode), `location /bench.v1.Bookstore/` is `grpc_pass` to bench_server
#   Backends: bench_server (../shared/tools/peer, 127.0.0.1:50051, CPUs 0,1) and the trivial
#   nginx (CPUs 0,1).
# Figure: CPU µs per request of the front process (protogate; nginx's proxy worker) =
# utime+stime delta (/proc/PID/stat) / completed requests, and protogate / nginx per case
# as the median of per-run ratios (goal <= 1.0x in each).
#
# The TLS key and a self-signed certificate for 127.0.0.1 / localhost are made with openssl
# in OUT. A side that does not start, or a case a side does not serve (protogate without
# TLS, HTTP/2 or gRPC passthrough), is reported as "not served" with the reason, and the
# other rows still run; REQUIRE_ALL=1 makes that an error instead.
#
# Env knobs:
#   DURATION=10 REPEAT=3 CONNS=32   seconds per run, interleaved runs per case, wrk -c
#   H2_CONNS=CONNS H2_STREAMS=1 GRPC_CONNS=CONNS GRPC_STREAMS=1   h2load -c / -m
#   CASES="tls-h1 tls-h2 grpc" SERVERS="protogate nginx"
#   FRONT_PG_ADDR=127.0.0.1:9443 FRONT_NGX_ADDR=127.0.0.1:8443 NGX_BE_ADDR=127.0.0.1:8091
#   PG_CPUS=0 NGX_PROXY_CPUS=0 BACKEND_CPUS=0,1 LOADGEN_CPUS=1 PG_IO_THREADS=1 PG_EXTRA_FLAGS=
#   IDLE_PCT=10 IDLE_WAIT=30        wait (bounded) for a quiet machine before each run
#   PEER_DIR=/tmp/protogate-peer PEER_TOOLS=<repo>/../shared/tools/peer
#   SKIP_BUILD=0 SKIP_PEER_BUILD=0 PROTOGATE_BIN=   as in run.sh
#   OUT=/tmp/protogate-frontend/<UTC time>   runs.tsv, summary.md, raw output, logs, certs
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PEER_TOOLS="${PEER_TOOLS:-$REPO/../shared/tools/peer}"
PEER_DIR="${PEER_DIR:-/tmp/protogate-peer}"
DURATION="${DURATION:-10}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-32}"
H2_CONNS="${H2_CONNS:-$CONNS}"
H2_STREAMS="${H2_STREAMS:-1}"
GRPC_CONNS="${GRPC_CONNS:-$CONNS}"
GRPC_STREAMS="${GRPC_STREAMS:-1}"
CASES="${CASES:-tls-h1 tls-h2 grpc}"
SERVERS="${SERVERS:-protogate nginx}"
FRONT_PG_ADDR="${FRONT_PG_ADDR:-127.0.0.1:9443}"
FRONT_NGX_ADDR="${FRONT_NGX_ADDR:-127.0.0.1:8443}"
NGX_BE_ADDR="${NGX_BE_ADDR:-127.0.0.1:8091}"
BACKEND_ADDR=127.0.0.1:50051
PG_CPUS="${PG_CPUS-0}"
NGX_PROXY_CPUS="${NGX_PROXY_CPUS-0}"
BACKEND_CPUS="${BACKEND_CPUS-0,1}"
LOADGEN_CPUS="${LOADGEN_CPUS-1}"
PG_IO_THREADS="${PG_IO_THREADS:-1}"
PG_EXTRA_FLAGS="${PG_EXTRA_FLAGS:-}"
IDLE_PCT="${IDLE_PCT:-10}"
IDLE_WAIT="${IDLE_WAIT:-30}"
OUT="${OUT:-/tmp/protogate-frontend/$(date -u +%Y%m%dT%H%M%SZ)}"
GET_PATH=/v1/shelves/1/books/42
GRPC_PATH=/bench.v1.Bookstore/GetBook

log() { printf '[frontend] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for a in "$FRONT_PG_ADDR" "$FRONT_NGX_ADDR" "$NGX_BE_ADDR"; do
  case "$a" in 127.*:*) ;; *) die "$a: every address must be a loopback HOST:PORT" ;; esac
done
case "$PG_IO_THREADS" in default) IO_FLAG=() ;; *[!0-9]*|"") die "PG_IO_THREADS must be a number or default" ;;
  *) IO_FLAG=(--io_threads "$PG_IO_THREADS") ;; esac
[ "$REPEAT" -ge 1 ] || die "REPEAT must be >= 1"
for c in $CASES; do case $c in tls-h1|tls-h2|grpc) ;; *) die "unknown case $c (tls-h1 tls-h2 grpc)" ;; esac; done
for s in $SERVERS; do case $s in protogate|nginx) ;; *) die "unknown server $s (protogate nginx)" ;; esac; done
has_server() { [[ " $SERVERS " == *" $1 "* ]]; }
[ -f "$PEER_TOOLS/build-peer.sh" ] || die "peer tools not found in $PEER_TOOLS (set PEER_TOOLS)"
mkdir -p "$OUT/raw"
OUT="$(cd "$OUT" && pwd)"
log "results in $OUT"

# ------------------------------------------------------------------ builds
if has_server protogate && [ "${SKIP_BUILD:-0}" != 1 ]; then
  log "building protogate (tools/build.sh protogate)"
  bash "$REPO/tools/build.sh" protogate >"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log" >&2; die "protogate build failed (log: $OUT/build.log)"; }
fi
PG_BIN="${PROTOGATE_BIN:-$REPO/${BUILD_DIR:-build}/gateway/server/protogate}"
has_server protogate && { [ -x "$PG_BIN" ] || die "protogate binary not found (build it, or set PROTOGATE_BIN)"; }
if [ "${SKIP_PEER_BUILD:-0}" != 1 ]; then
  log "building the peers into $PEER_DIR (build-peer.sh, WITH_NGINX=1: bench_server, nginx, wrk, h2load)"
  WITH_NGINX=1 bash "$PEER_TOOLS/build-peer.sh" "$PEER_DIR" >"$OUT/peer-build.log" 2>&1 ||
    { tail -30 "$OUT/peer-build.log" >&2; die "peer build failed (log: $OUT/peer-build.log)"; }
fi
[ -x "$PEER_DIR/bin/bench_server" ] || die "$PEER_DIR/bin/bench_server missing (run without SKIP_PEER_BUILD)"
for t in wrk h2load nginx openssl curl taskset protoc python3; do
  command -v "$t" >/dev/null || die "$t not found"
done

# ------------------------------------------------------------------ certificates, bodies
log "TLS key and self-signed certificate (EC P-256, CN=localhost, SAN 127.0.0.1) in $OUT/tls"
mkdir -p "$OUT/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -keyout "$OUT/tls/key.pem" -out "$OUT/tls/cert.pem" -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>"$OUT/tls/openssl.log" ||
  { cat "$OUT/tls/openssl.log" >&2; die "openssl could not make the certificate"; }
protoc -I "$PEER_TOOLS" -I "$REPO/proto" -I /usr/include --include_imports \
  --descriptor_set_out="$OUT/bench.binpb" "$PEER_TOOLS/bench.proto"
echo 'shelf: 1 book: 42' | protoc -I "$PEER_TOOLS" -I "$REPO/proto" -I /usr/include \
  --encode=bench.v1.GetBookRequest "$PEER_TOOLS/bench.proto" >"$OUT/getbook.bin"
python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b"\0"+struct.pack(">I",len(d))+d)' \
  "$OUT/getbook.bin" "$OUT/getbook.grpc"

# ------------------------------------------------------------------ start
port_busy() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }
for hp in "$BACKEND_ADDR" "$FRONT_PG_ADDR" "$FRONT_NGX_ADDR" "$NGX_BE_ADDR"; do
  port_busy "$hp" && die "$hp is already in use (another benchmark or demo running?)"
done
# Every server runs in the foreground as a child of this script (nginx with
# `daemon off`), so that it is stopped and reaped here.
STARTED=()  # bench_server, protogate
NGINXES=()  # nginx masters (graceful stop: QUIT)
cleanup() {
  set +e
  local p
  for p in "${NGINXES[@]}"; do kill -QUIT "$p" 2>/dev/null; done
  for p in "${STARTED[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${NGINXES[@]}" "${STARTED[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pin() { [ -n "$1" ] && echo taskset -c "$1"; }
wait_port() { for _ in $(seq 1 100); do port_busy "$1" && return 0; sleep 0.1; done; return 1; }

log "starting bench_server on $BACKEND_ADDR (cpus ${BACKEND_CPUS:-any})"
# shellcheck disable=SC2046
$(pin "$BACKEND_CPUS") "$PEER_DIR/bin/bench_server" "$BACKEND_ADDR" 2 >"$OUT/bench_server.log" 2>&1 &
STARTED+=($!); BE_PID=$!
wait_port "$BACKEND_ADDR" || { cat "$OUT/bench_server.log" >&2; die "bench_server did not start"; }

declare -A SERVED=()  # [server:case] = 1 when the smoke check passed
declare -A WHY=()     # [server:case] = why not
NGX_D="$OUT/nginx"
ngx_common() {  # $1 = instance dir
  cat <<EOF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NGX_D/tmp/body;
  proxy_temp_path $NGX_D/tmp/proxy;
  fastcgi_temp_path $NGX_D/tmp/fastcgi;
  uwsgi_temp_path $NGX_D/tmp/uwsgi;
  scgi_temp_path $NGX_D/tmp/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
EOF
}
start_nginx() {  # $1 = name, $2 = cpus
  local d="$NGX_D/$1"
  # shellcheck disable=SC2046
  $(pin "$2") nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' 2>>"$d/error.log" &
  NGINXES+=($!)
}
if has_server nginx; then
  mkdir -p "$NGX_D/backend" "$NGX_D/proxy" "$NGX_D/tmp"
  # The exact body grpc-gateway and protogate return for GET /v1/shelves/1/books/42.
  JSON='{"id":"42","shelf":"1","title":"The Art of Computer Programming, Volume 2","isbn":"978-0-201-89683-1","author":{"name":"Donald E. Knuth","email":"knuth@example.com","birthYear":1938},"genre":"SCIENCE","tags":["algorithms","computer-science","classic"],"pages":"672","price":79.99,"inStock":true,"published":"2023-11-14T22:13:20Z","description":"Fundamental algorithms, sorting and searching, seminumerical algorithms."}'
  { ngx_common "$NGX_D/backend"; cat <<EOF
  server {
    listen $NGX_BE_ADDR reuseport backlog=4096;
    location / {
      default_type application/json;
      return 200 '$JSON';
    }
  }
}
EOF
  } >"$NGX_D/backend/nginx.conf"
  { ngx_common "$NGX_D/proxy"; cat <<EOF
  upstream http_be { server $NGX_BE_ADDR; keepalive 64; }
  upstream grpc_be { server $BACKEND_ADDR; keepalive 64; }
  server {
    listen $FRONT_NGX_ADDR ssl http2 backlog=4096;
    ssl_certificate $OUT/tls/cert.pem;
    ssl_certificate_key $OUT/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://http_be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location /bench.v1.Bookstore/ { grpc_pass grpc://grpc_be; }
  }
}
EOF
  } >"$NGX_D/proxy/nginx.conf"
  log "starting nginx: trivial backend $NGX_BE_ADDR (cpus ${BACKEND_CPUS:-any}), TLS proxy $FRONT_NGX_ADDR (cpus ${NGX_PROXY_CPUS:-any})"
  start_nginx backend "$BACKEND_CPUS"
  start_nginx proxy "$NGX_PROXY_CPUS"
  wait_port "$NGX_BE_ADDR" && wait_port "$FRONT_NGX_ADDR" ||
    { cat "$NGX_D"/*/error.log >&2; die "nginx did not start"; }
  for _ in $(seq 1 50); do [ -s "$NGX_D/proxy/nginx.pid" ] && [ -s "$NGX_D/backend/nginx.pid" ] && break; sleep 0.1; done
fi

PG_PID=""
if has_server protogate; then
  cat >"$OUT/protogate.yaml" <<YAML
listen: $FRONT_PG_ADDR
tls: {cert_file: "$OUT/tls/cert.pem", key_file: "$OUT/tls/key.pem"}
descriptors: {descriptor_sets: ["$OUT/bench.binpb"]}
backends: [{service: bench.v1, target: "$BACKEND_ADDR"}]
YAML
  log "starting protogate ($PG_BIN, $OUT/protogate.yaml) on $FRONT_PG_ADDR, cpus ${PG_CPUS:-any}, io_threads=$PG_IO_THREADS"
  # shellcheck disable=SC2046,SC2086
  $(pin "$PG_CPUS") "$PG_BIN" --config "$OUT/protogate.yaml" "${IO_FLAG[@]}" $PG_EXTRA_FLAGS \
    >"$OUT/protogate.log" 2>&1 &
  PG_PID=$!
  STARTED+=("$PG_PID")
  for _ in $(seq 1 100); do port_busy "$FRONT_PG_ADDR" && break; kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
  if ! port_busy "$FRONT_PG_ADDR"; then
    reason="protogate did not start with the TLS config: $(grep -m1 -v '^$' "$OUT/protogate.log" | cut -c1-160)"
    for c in $CASES; do WHY[protogate:$c]=$reason; done
    log "$reason"
    PG_PID=""
  fi
fi

# ------------------------------------------------------------------ smoke
addr_of() { [ "$1" = protogate ] && echo "$FRONT_PG_ADDR" || echo "$FRONT_NGX_ADDR"; }
smoke() {  # $1 = server, $2 = case; sets SERVED/WHY
  local s=$1 c=$2 hp f code ver
  hp=$(addr_of "$s"); f="$OUT/smoke-$s-$c"
  case $c in
    tls-h1) code=$(curl -sS --max-time 5 --cacert "$OUT/tls/cert.pem" --http1.1 -o "$f.body" \
                 -w '%{http_code} %{http_version}' "https://$hp$GET_PATH" 2>"$f.err" || true) ;;
    tls-h2) code=$(curl -sS --max-time 5 --cacert "$OUT/tls/cert.pem" --http2 -o "$f.body" \
                 -w '%{http_code} %{http_version}' "https://$hp$GET_PATH" 2>"$f.err" || true) ;;
    grpc)   code=$(curl -sS --max-time 5 --cacert "$OUT/tls/cert.pem" --http2 -D "$f.head" -o "$f.body" \
                 -H 'content-type: application/grpc' -H 'te: trailers' --data-binary @"$OUT/getbook.grpc" \
                 -w '%{http_code} %{http_version}' "https://$hp$GRPC_PATH" 2>"$f.err" || true) ;;
  esac
  ver=${code#* }; code=${code%% *}
  if [ "$code" != 200 ]; then WHY[$s:$c]="HTTP ${code:-000} ($(head -c 160 "$f.err" | tr '\n' ' '))"; return; fi
  if [ "$c" != tls-h1 ] && [ "$ver" != 2 ]; then WHY[$s:$c]="answered over HTTP/$ver, not HTTP/2 (no ALPN h2)"; return; fi
  if [ "$c" = grpc ] && ! grep -qi '^grpc-status: *0' "$f.head"; then
    WHY[$s:$c]="no grpc-status: 0 in the answer ($(grep -i '^grpc-\|^content-type' "$f.head" | tr -d '\r' | tr '\n' ' '))"; return
  fi
  SERVED[$s:$c]=1
  log "smoke $s $c: HTTP 200 over HTTP/$ver, $(wc -c <"$f.body") bytes"
}
for s in $SERVERS; do
  [ "$s" = protogate ] && [ -z "$PG_PID" ] && continue
  for c in $CASES; do smoke "$s" "$c"; [ -n "${WHY[$s:$c]:-}" ] && log "$s $c not served: ${WHY[$s:$c]}"; done
done
if [ "${REQUIRE_ALL:-0}" = 1 ]; then
  for s in $SERVERS; do for c in $CASES; do
    [ -n "${SERVED[$s:$c]:-}" ] || die "$s $c not served: ${WHY[$s:$c]:-?}"
  done; done
fi

# ------------------------------------------------------------------ load
CLK_TCK=$(getconf CLK_TCK)
ticks_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12+$13}'; }
sum_ticks() { local t=0 p x; for p in "$@"; do x=$(ticks_of "$p"); t=$((t + ${x:-0})); done; echo "$t"; }
machine_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
bg_busy() {  # whole-machine CPU busy % over 1 s, as ../shared/tools/peer/bench.sh measures it
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
LPIN=(); [ -n "$LOADGEN_CPUS" ] && LPIN=(taskset -c "$LOADGEN_CPUS")
# run_load SERVER CASE RAW -> "requests rps p50_ms p99_ms errors"
run_load() {
  local s=$1 c=$2 raw=$3 hp url
  hp=$(addr_of "$s")
  if [ "$c" = tls-h1 ]; then
    timeout $((DURATION + 30)) "${LPIN[@]}" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency \
      "https://$hp$GET_PATH" >"$raw" 2>&1 || true
    echo "$(awk '/ requests in /{print $1; exit}' "$raw") $(awk '/^Requests\/sec:/{print $2}' "$raw")" \
      "$(wrk_ms "$(awk '$1=="50%"{print $2}' "$raw")") $(wrk_ms "$(awk '$1=="99%"{print $2}' "$raw")")" \
      "$(awk '/Non-2xx or 3xx responses:/{n+=$NF} /Socket errors:/{for(i=1;i<=NF;i++) if($i ~ /^[0-9]+,?$/) {gsub(",","",$i); n+=$i}} END{print n+0}' "$raw")"
    return
  fi
  local args=(-c"$H2_CONNS" -m"$H2_STREAMS") url="https://$hp$GET_PATH"
  if [ "$c" = grpc ]; then
    args=(-c"$GRPC_CONNS" -m"$GRPC_STREAMS" -d "$OUT/getbook.grpc" -H 'content-type: application/grpc' -H 'te: trailers')
    url="https://$hp$GRPC_PATH"
  fi
  timeout $((DURATION + 30)) "${LPIN[@]}" h2load -t1 "${args[@]}" -D "$DURATION" --log-file="$raw.reqlog" \
    "$url" >"$raw" 2>&1 || true
  local p50=NA p99=NA
  if [ -s "$raw.reqlog" ]; then  # columns: start(us) status duration(us)
    read -r p50 p99 < <(cut -f3 "$raw.reqlog" | sort -n | awk '{a[NR]=$1} END{ if (NR) { i=int(NR*0.50); if (i<1) i=1; j=int(NR*0.99); if (j<1) j=1; printf "%.3f %.3f\n", a[i]/1000, a[j]/1000 } else print "NA NA" }')
    rm -f "$raw.reqlog"
  fi
  # h2load counts a 2xx answer as a success; requests = succeeded (a gRPC error would
  # still be 200: the smoke check read grpc-status 0 before the load)
  echo "$(awk '/^requests:/{gsub(",","",$8); print $8}' "$raw") $(awk '/^finished in/{for(i=1;i<=NF;i++) if($i=="req/s,") print $(i-1)}' "$raw")" \
    "$p50 $p99 $(awk '/^requests:/{gsub(",",""); print $10 + $12 + $14} /^status codes:/{gsub(",",""); print $7 + $9}' "$raw" | awk '{n+=$1} END{print n+0}')"
}
ngx_worker_pids() { local f="$NGX_D/$1/nginx.pid"; [ -f "$f" ] && pgrep -P "$(cat "$f")" || true; }

TSV="$OUT/runs.tsv"
printf 'case\tserver\trun\trps\tp50_ms\tp99_ms\terrors\trequests\tcpu_s\tcpu_us_per_req\tcpu_pct\tbackend_cpu_pct\tbg_pct\tmachine_cpu_pct\n' >"$TSV"
log "load: REPEAT=$REPEAT x ${DURATION}s per case and server, interleaved; CASES=\"$CASES\" SERVERS=\"$SERVERS\""
for r in $(seq 1 "$REPEAT"); do
  for c in $CASES; do
    for s in $SERVERS; do
      [ -n "${SERVED[$s:$c]:-}" ] || continue
      if [ "$s" = protogate ]; then
        pids=("$PG_PID"); be=("$BE_PID")
      else
        mapfile -t pids < <(ngx_worker_pids proxy)
        if [ "$c" = grpc ]; then be=("$BE_PID"); else mapfile -t be < <(ngx_worker_pids backend); fi
      fi
      bg=NA
      for _ in $(seq 1 "$IDLE_WAIT"); do bg=$(bg_busy); [ "$bg" -le "$IDLE_PCT" ] && break; done
      raw="$OUT/raw/r$r-$c-$s.txt"
      t0=$(sum_ticks "${pids[@]}"); b0=$(sum_ticks "${be[@]}"); m0=$(machine_ticks)
      read -r reqs rps p50 p99 errs < <(run_load "$s" "$c" "$raw")
      t1=$(sum_ticks "${pids[@]}"); b1=$(sum_ticks "${be[@]}"); m1=$(machine_ticks)
      [ -z "$PG_PID" ] || kill -0 "$PG_PID" 2>/dev/null || { tail -20 "$OUT/protogate.log" >&2; die "protogate died"; }
      read -r cpu_s us pct bpct mpct < <(awk -v t=$((t1 - t0)) -v b=$((b1 - b0)) -v m=$((m1 - m0)) \
        -v hz="$CLK_TCK" -v n="${reqs:-0}" -v d="$DURATION" 'BEGIN{ s = t / hz
          printf "%.2f %s %.0f %.0f %.0f\n", s, (n > 0 ? sprintf("%.1f", s * 1e6 / n) : "NA"),
            100 * s / d, 100 * (b / hz) / d, 100 * (m / hz) / d }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$s" "$r" "${rps:-NA}" \
        "${p50:-NA}" "${p99:-NA}" "${errs:-NA}" "${reqs:-NA}" "$cpu_s" "$us" "$pct" "$bpct" "$bg" "$mpct" >>"$TSV"
      log "$(printf 'run %s %-6s %-9s rps=%-9s p50=%-6s p99=%-6s cpu/req=%sus cpu=%s%% backend=%s%% machine=%s%% errs=%s bg=%s%%' \
        "$r" "$c" "$s" "${rps:-NA}" "${p50:-NA}" "${p99:-NA}" "$us" "$pct" "$bpct" "$mpct" "${errs:-NA}" "$bg")"
    done
  done
done

# ------------------------------------------------------------------ report
SUMMARY="$OUT/summary.md"
{
  echo "## protogate front end (TLS, HTTP/2, gRPC) vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -r); $(openssl version); $(nginx -v 2>&1 | sed 's/.*: //')."
  echo "protogate: $PG_BIN (tree \`$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet 2>/dev/null || echo +dirty)\`), taskset -c ${PG_CPUS:-any}, io_threads=$PG_IO_THREADS; nginx proxy: 1 worker, taskset -c ${NGX_PROXY_CPUS:-any}."
  echo "Load on CPU ${LOADGEN_CPUS:-any}: tls-h1 wrk -t1 -c$CONNS; tls-h2 h2load -t1 -c$H2_CONNS -m$H2_STREAMS; grpc h2load -t1 -c$GRPC_CONNS -m$GRPC_STREAMS. ${DURATION}s per run, REPEAT=$REPEAT interleaved runs, medians."
  echo "CPU us/req = the front process (protogate; nginx's proxy worker) per completed request. Backend: bench_server behind protogate (REST and gRPC) and behind nginx's grpc_pass; the trivial nginx behind nginx's REST proxy. Only a quiet machine gives figures that count (see the bg and machine columns)."
  echo
  echo "| case | server | rps | p50 ms | p99 ms | CPU us/req | front CPU % | backend CPU % | machine CPU % | errors |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  awk -F'\t' 'NR > 1 { k = $1 "\t" $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      for (i = 4; i <= 14; i++) v[k, i] = v[k, i] " " $i }
    function med(s,   a, m, i, j, t, x, b) {
      m = split(s, a, " "); x = 0
      for (i = 1; i <= m; i++) if (a[i] != "NA") b[++x] = a[i] + 0
      if (!x) return "NA"
      for (i = 2; i <= x; i++) { t = b[i]; for (j = i - 1; j >= 1 && b[j] > t; j--) b[j + 1] = b[j]; b[j + 1] = t }
      return (x % 2) ? b[(x + 1) / 2] : (b[x / 2] + b[x / 2 + 1]) / 2 }
    END { for (i = 1; i <= n; i++) { k = order[i]; split(k, f, "\t")
        printf "| %s | %s | %.0f | %s | %s | %s | %.0f | %.0f | %.0f | %s |\n", f[1], f[2], med(v[k, 4]),
          med(v[k, 5]), med(v[k, 6]), med(v[k, 10]), med(v[k, 11]), med(v[k, 12]), med(v[k, 14]), med(v[k, 7]) } }' "$TSV"
  echo
  echo "| figure (issue 19) | protogate / nginx, CPU us/req | spread | goal | met |"
  echo "| --- | ---: | --- | --- | --- |"
  for c in $CASES; do
    case $c in
      tls-h1) label="GET over TLS + HTTP/1.1 (wrk)" ;;
      tls-h2) label="GET over TLS + HTTP/2 (h2load)" ;;
      grpc) label="gRPC GetBook over TLS + HTTP/2: passthrough vs grpc_pass (h2load)" ;;
    esac
    if [ -z "${SERVED[protogate:$c]:-}" ] || [ -z "${SERVED[nginx:$c]:-}" ]; then
      why=""
      for s in protogate nginx; do
        if ! has_server "$s"; then why+="$s not run; "
        elif [ -z "${SERVED[$s:$c]:-}" ]; then why+="$s: ${WHY[$s:$c]:-not served}; "; fi
      done
      echo "| $label | n/a | ${why%; } | <= 1.0x | |"
      continue
    fi
    awk -F'\t' -v c="$c" -v label="$label" 'NR > 1 && $1 == c { v[$2, $3] = $10; if ($3 > R) R = $3 }
      END { n = 0
        for (r = 1; r <= R; r++) if (v["protogate", r] + 0 > 0 && v["nginx", r] + 0 > 0) x[++n] = v["protogate", r] / v["nginx", r]
        if (!n) { printf "| %s | n/a | no complete pair of runs | <= 1.0x | |\n", label; exit }
        for (i = 2; i <= n; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
        m = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
        printf "| %s | %.3fx | %.2f-%.2fx (%d runs) | <= 1.0x | %s |\n", label, m, x[1], x[n], n, (m <= 1.0) ? "yes" : "no" }' "$TSV"
  done
  echo
  echo "Command: \`DURATION=$DURATION REPEAT=$REPEAT CONNS=$CONNS CASES=\"$CASES\" SERVERS=\"$SERVERS\" bash tools/bench/frontend.sh\`; per-run rows: \`$TSV\`."
} >"$SUMMARY"
cat "$SUMMARY"
