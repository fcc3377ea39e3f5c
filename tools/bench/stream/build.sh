#!/usr/bin/env bash
# Builds grpc-gateway 1.6.4 for the server-streaming case of tools/bench/run.sh:
# bookstore_stream.proto (demo_bookstore's StreamBooks) + gateway_main.go ->
# PEER_DIR/bin/bench_stream_gateway, the same way and from the same Debian
# packages as ../shared/tools/peer/build-peer.sh builds the peer (run that
# first: it installs Go, protoc-gen-go 1.3 and grpc-gateway). Offline, GOPATH
# mode, idempotent.
#
#   bash tools/bench/stream/build.sh [PEER_DIR=/tmp/protogate-peer]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-/tmp/protogate-peer}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
GWSRC=/usr/share/gocode/src/github.com/grpc-ecosystem/grpc-gateway
for t in go protoc protoc-gen-go protoc-gen-grpc-gateway; do
  command -v "$t" >/dev/null || { echo "$t not found (run build-peer.sh first)" >&2; exit 1; }
done

S="$OUT/stream"
mkdir -p "$S/proto/google/api" "$OUT/bin" "$OUT/gopath/src/benchstream/v1" \
  "$OUT/gopath/src/benchstreamgw"
cp -f "$HERE/bookstore_stream.proto" "$S/proto/"
cp -f "$GWSRC/third_party/googleapis/google/api/annotations.proto" \
  "$GWSRC/third_party/googleapis/google/api/http.proto" "$S/proto/google/api/"
cp -f "$HERE/gateway_main.go" "$OUT/gopath/src/benchstreamgw/main.go"

TMPGO="$(mktemp -d)"
trap 'rm -rf "$TMPGO"' EXIT
# As in build-peer.sh: libprotobuf 3.21's timestamp.proto names the APIv2 Go
# package, which this 1.3-era stack cannot use.
MTS="Mgoogle/protobuf/timestamp.proto=github.com/golang/protobuf/ptypes/timestamp"
cd "$S/proto"
protoc -I. -I/usr/include --go_out=plugins=grpc,"$MTS":"$TMPGO" bookstore_stream.proto
protoc -I. -I/usr/include --grpc-gateway_out=logtostderr=true,"$MTS":"$TMPGO" bookstore_stream.proto
find "$TMPGO" -name '*.go' -exec cp -f {} "$OUT/gopath/src/benchstream/v1/" \;

export GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
export GOPATH="$OUT/gopath:/usr/share/gocode"
export GOCACHE="$OUT/.gocache"
cd "$OUT/gopath/src/benchstreamgw"
go build -o "$OUT/bin/bench_stream_gateway" .
echo "built $OUT/bin/bench_stream_gateway" >&2
