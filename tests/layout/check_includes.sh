#!/usr/bin/env bash
# Enforces the library boundaries of docs/ARCHITECTURE.md on the source tree:
# only gateway/upstream includes grpcpp (or grpc/), only gateway/upstream
# (its HTTP/2 client) and gateway/http (its HTTP/2 server) nghttp2, only the
# libraries that do I/O on event loops (gateway/http, gateway/upstream for its
# own HTTP/2 client, and gateway/ratelimit whose hiredis connections run on
# the I/O threads' loops) include boost/, and gateway/transcoding,
# aggregator/ and expr/ (the expression library) do no networking (the
# aggregator may use the upstream interface, channel.h). The request path
# (gateway/proxy) and the pipeline stages (gateway/policy, gateway/auth,
# gateway/ratelimit) do not include the wiring (gateway/server); stages see
# upstream only through channel.h.
set -uo pipefail
# `... | violations` must run in this shell, or its fail=1 is lost.
shopt -s lastpipe
cd "${1:-$(dirname "$0")/../..}"

fail=0
violations() {  # $1: description, stdin: offending lines
  local lines
  lines=$(cat)
  if [[ -n "$lines" ]]; then
    echo "layout violation: $1" >&2
    echo "$lines" >&2
    fail=1
  fi
}

sources() { find gateway aggregator expr codegen -name '*.h' -o -name '*.cc' 2>/dev/null; }

sources | grep -v '^gateway/upstream/' | xargs -r grep -nE '#include [<"](grpcpp|grpc)/' \
  | violations "grpcpp outside gateway/upstream"
sources | grep -vE '^gateway/(http|upstream)/' | xargs -r grep -nE '#include [<"]nghttp2/' \
  | violations "nghttp2 outside gateway/http and gateway/upstream"
sources | grep -vE '^gateway/(http|upstream|ratelimit)/' | xargs -r grep -nE '#include [<"]boost/' \
  | violations "boost outside gateway/http, gateway/upstream and gateway/ratelimit"
sources | grep -E '^(gateway/transcoding|aggregator|expr)/' \
  | xargs -r grep -nE '#include [<"](sys/socket\.h|netinet/|arpa/|boost/|grpcpp/|grpc/|gateway/(http|upstream)/)' \
  | grep -v 'gateway/upstream/channel\.h' \
  | violations "networking in gateway/transcoding, aggregator or expr"
sources | grep -E '^gateway/http/' | xargs -r grep -nE '#include [<"](google/protobuf|gateway/transcoding)' \
  | violations "protobuf in gateway/http"
# The request path knows nothing of its wiring: no flags, reloader or admin.
sources | grep -E '^gateway/(proxy|policy)/' | xargs -r grep -nE '#include [<"]gateway/(server|admin)/' \
  | violations "gateway/proxy or gateway/policy includes the wiring (gateway/server) or admin"
sources | grep -E '^gateway/admin/' | xargs -r grep -nE '#include [<"]gateway/server/' \
  | violations "gateway/admin includes the wiring (gateway/server)"
# Pipeline stages see upstream only through its interface (channel.h).
sources | grep -E '^gateway/(policy|auth|ratelimit)/' \
  | xargs -r grep -nE '#include [<"]gateway/(upstream|proxy)/' \
  | grep -v 'gateway/upstream/channel\.h' \
  | violations "a pipeline stage includes upstream internals or the proxy"

if ((fail)); then exit 1; fi
echo "layout: dependency rules hold"
