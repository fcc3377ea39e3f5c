#!/usr/bin/env bash
# CPU µs per GET through protogate with JWT authentication (issue 16): the
# same GET /v1/shelves/1/books/1 on three gateways built from the same
# binary, run interleaved in one invocation:
#   none   no auth section
#   rs256  method_defaults.auth, a provider with an RS256 key (jwks_file);
#          every request sends the same token, so after the first it is a
#          verified-token cache hit
#   es256  the same with an ES256 key
# Each gateway is pinned to CPU 0 with one I/O thread; wrk (one thread,
# CONNS keep-alive connections) and the demo backend run on CPU 1. CPU
# µs/request = the gateway's utime+stime delta (/proc/PID/stat) / requests.
#
#   bash tools/bench/auth.sh                      # 3 interleaved runs x 5 s per case
#   DURATION=3 REPEAT=3 bash tools/bench/auth.sh
#
# Needs build/ with protogate, demo_bookstore and protogate_bookstore_descriptors
# (tools/build.sh protogate demo_bookstore protogate_bookstore_descriptors),
# wrk (installed here), openssl and python3-jwt. Every process it starts is
# stopped on exit.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$REPO/tools/install-deps.sh" wrk >/dev/null  # Idempotent.
BUILD="${BUILD_DIR:-$REPO/build}"
DURATION="${DURATION:-5}"
REPEAT="${REPEAT:-3}"
CONNS="${CONNS:-16}"
BASE_PORT="${BASE_PORT:-19300}"
OUT="${OUT:-/tmp/protogate-auth-bench/$(date -u +%Y%m%dT%H%M%SZ)}"
PYTHON=/usr/bin/python3
CASES=(none rs256 es256)

mkdir -p "$OUT"
cd "$OUT"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rs.pem 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out es.pem 2>/dev/null
"$PYTHON" - <<'PY'
import json, time, jwt
from cryptography.hazmat.primitives.serialization import load_pem_private_key
for kid, alg, cls in (("rs", "RS256", jwt.algorithms.RSAAlgorithm),
                      ("es", "ES256", jwt.algorithms.ECAlgorithm)):
    pem = open(kid + ".pem", "rb").read()
    jwk = json.loads(cls.to_jwk(load_pem_private_key(pem, None).public_key()))
    jwk.update(kid=kid, use="sig", alg=alg)
    json.dump({"keys": [jwk]}, open(kid + ".jwks.json", "w"))
    claims = {"iss": "https://id.example.test", "sub": "alice",
              "aud": "library-api", "scope": "library.read",
              "exp": int(time.time()) + 3600}
    open(kid + ".token", "w").write(
        jwt.encode(claims, pem, algorithm=alg, headers={"kid": kid}))
PY

backend_port=$BASE_PORT
taskset -c 1 "$BUILD/tools/demo/demo_bookstore" --listen "127.0.0.1:$backend_port" \
  >backend.log 2>&1 &
pids+=($!)

declare -A port pid token
i=1
for c in "${CASES[@]}"; do
  port[$c]=$((BASE_PORT + i))
  i=$((i + 1))
  {
    echo "listen: 127.0.0.1:${port[$c]}"
    echo "descriptors: {descriptor_sets: [$BUILD/proto/bookstore.binpb]}"
    echo "clusters: [{name: b, endpoints: [\"127.0.0.1:$backend_port\"], plaintext: true}]"
    echo "routes: [{service: demo.bookstore, cluster: b}]"
    echo "server: {io_threads: 1}"
    if [[ $c != none ]]; then
      k=${c:0:2}
      echo "auth:"
      echo "  jwt_providers:"
      echo "    - {name: corp, issuer: \"https://id.example.test\", audiences: [library-api],"
      echo "       jwks_file: $OUT/$k.jwks.json, forward_claims: {sub: x-user-id}}"
      echo "method_defaults: {auth: {scopes: [library.read]}}"
      token[$c]=$(cat "$k.token")
    fi
  } >"$c.yaml"
  taskset -c 0 "$BUILD/gateway/server/protogate" --config "$c.yaml" >"$c.log" 2>&1 &
  pid[$c]=$!
  pids+=(${pid[$c]})
done
for c in "${CASES[@]}"; do
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:${port[$c]}/-/healthz" && break
    sleep 0.1
  done
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
printf "case\trun\trequests\tcpu_us_per_req\trps\n" >runs.tsv
for run in $(seq "$REPEAT"); do
  for c in "${CASES[@]}"; do
    url="http://127.0.0.1:${port[$c]}/v1/shelves/1/books/1"
    # Check the case answers 200 (and, with auth, 401 without the token).
    headers=()
    if [[ $c != none ]]; then
      headers=(-H "Authorization: Bearer ${token[$c]}")
      [[ $(curl -s -o /dev/null -w '%{http_code}' "$url") == 401 ]]
    fi
    [[ $(curl -s -o /dev/null -w '%{http_code}' "${headers[@]}" "$url") == 200 ]]
    before=$(cpu_ticks "${pid[$c]}")
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" "${headers[@]}" "$url" \
      >"wrk-$c-$run.txt"
    after=$(cpu_ticks "${pid[$c]}")
    requests=$(awk '/requests in/ {print $1}' "wrk-$c-$run.txt")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "wrk-$c-$run.txt")
    [[ -z $non2xx ]] || { echo "case $c: $non2xx non-2xx answers" >&2; exit 1; }
    awk -v c="$c" -v r="$run" -v n="$requests" -v t=$((after - before)) \
      -v hz="$hz" -v d="$DURATION" \
      'BEGIN { printf "%s\t%d\t%d\t%.1f\t%.0f\n", c, r, n, t * 1e6 / hz / n, n / d }' \
      >>runs.tsv
  done
done

{
  echo "| case | CPU µs/GET (median of $REPEAT) | rps (median) | vs none |"
  echo "|---|---|---|---|"
} | tee summary.md
base=""
for c in "${CASES[@]}"; do
  median() {  # $1: column of runs.tsv
    awk -v c="$c" -v k="$1" '$1 == c {print $k}' runs.tsv | sort -g |
      awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
  }
  cpu=$(median 4)
  rps=$(median 5)
  [[ -n $base ]] || base=$cpu
  awk -v c="$c" -v cpu="$cpu" -v rps="$rps" -v base="$base" \
    'BEGIN { printf "| %s | %.1f | %.0f | %+.1f%% |\n", c, cpu, rps, (cpu / base - 1) * 100 }'
done | tee -a summary.md
echo "results: $OUT" >&2
