#!/usr/bin/env bash
# Enforces the library boundaries of ARCHITECTURE.md on the source tree:
# only gateway/upstream includes grpcpp (or grpc/), only gateway/http
# includes boost/, and gateway/transcoding and aggregator/ do no networking
# (the aggregator may use the upstream interface, unary_channel.h).
set -uo pipefail
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

sources() { find gateway aggregator codegen -name '*.h' -o -name '*.cc' 2>/dev/null; }

sources | grep -v '^gateway/upstream/' | xargs -r grep -nE '#include [<"](grpcpp|grpc)/' \
  | violations "grpcpp outside gateway/upstream"
sources | grep -v '^gateway/http/' | xargs -r grep -nE '#include [<"]boost/' \
  | violations "boost outside gateway/http"
sources | grep -E '^(gateway/transcoding|aggregator)/' \
  | xargs -r grep -nE '#include [<"](sys/socket\.h|netinet/|arpa/|boost/|grpcpp/|grpc/|gateway/(http|upstream)/)' \
  | grep -v 'gateway/upstream/unary_channel\.h' \
  | violations "networking in gateway/transcoding or aggregator"
sources | grep -E '^gateway/http/' | xargs -r grep -nE '#include [<"](google/protobuf|gateway/transcoding)' \
  | violations "protobuf in gateway/http"

if ((fail)); then exit 1; fi
echo "layout: dependency rules hold"
