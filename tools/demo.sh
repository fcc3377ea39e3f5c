#!/usr/bin/env bash
# README command 1: installs what is needed, builds, and runs the demo:
# the bookstore gRPC backend on 127.0.0.1:50051, the storefront backends
# (catalog, pricing, inventory, reviews) on 127.0.0.1:50052, and protogate on
# 127.0.0.1:8080 serving the REST routes of proto/demo/*.proto, including the
# storefront's composition plans. Ctrl-C (or SIGTERM) stops everything.
#
# The gateway runs with the example config tools/demo/protogate.yaml (which
# reads build/proto/demo.binpb).
#
# Env: PROTOGATE_PORT (8080), BACKEND_PORT (50051), STOREFRONT_PORT (50052),
# BUILD_DIR (build: binaries), STOREFRONT_FLAGS (e.g. "--fail reviews").
set -euo pipefail
cd "$(dirname "$0")/.."

GATEWAY_PORT=${PROTOGATE_PORT:-8080}
BACKEND_PORT=${BACKEND_PORT:-50051}
STOREFRONT_PORT=${STOREFRONT_PORT:-50052}
BUILD_DIR=${BUILD_DIR:-build}

tools/build.sh protogate demo_bookstore demo_storefront protogate_demo_descriptors

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 0' INT TERM

"$BUILD_DIR/tools/demo/demo_bookstore" --listen "127.0.0.1:$BACKEND_PORT" &
pids+=($!)
# shellcheck disable=SC2086
"$BUILD_DIR/tools/demo/demo_storefront" --listen "127.0.0.1:$STOREFRONT_PORT" \
  ${STOREFRONT_FLAGS:-} &
pids+=($!)
# The documented example config; flags override its listen address and, when
# the ports are not the defaults, its routes. It reads build/proto/demo.binpb:
# with another BUILD_DIR, a copy reads that directory's.
config=tools/demo/protogate.yaml
if [[ $BUILD_DIR != build ]]; then
  config=$(mktemp --suffix=.yaml)
  sed "s|build/proto/demo.binpb|$BUILD_DIR/proto/demo.binpb|" \
    tools/demo/protogate.yaml >"$config"
fi
overrides=(--listen "127.0.0.1:$GATEWAY_PORT")
if [[ $BACKEND_PORT != 50051 || $STOREFRONT_PORT != 50052 ]]; then
  overrides+=(--backend "demo.bookstore=127.0.0.1:$BACKEND_PORT"
              --backend "demo.storefront=127.0.0.1:$STOREFRONT_PORT")
fi
"$BUILD_DIR/gateway/server/protogate" --config "$config" \
  "${overrides[@]}" &
pids+=($!)

# Wait (bounded) until the gateway answers its health check.
up=0
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$GATEWAY_PORT/-/healthz" >/dev/null 2>&1; then
    up=1
    break
  fi
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo: a process exited during start-up (is port $GATEWAY_PORT, $BACKEND_PORT or $STOREFRONT_PORT in use?)" >&2
      exit 1
    fi
  done
  sleep 0.1
done
if ((!up)); then
  echo "demo: the gateway did not answer /-/healthz within 10 s" >&2
  exit 1
fi

base="http://127.0.0.1:$GATEWAY_PORT"
cat <<EOT

protogate demo is up: gateway $base -> bookstore 127.0.0.1:$BACKEND_PORT,
storefront backends 127.0.0.1:$STOREFRONT_PORT
Try (see README.md for the output):

  curl -s $base/v1/shelves
  curl -s $base/v1/shelves/1/books/1
  curl -s '$base/v1/shelves/2/books?genre=GENRE_SCIENCE&pageSize=1'
  curl -s -X POST $base/v1/shelves/2/books -H 'Content-Type: application/json' \\
       -d '{"title":"Cosmos","genre":"GENRE_SCIENCE","publishTime":"1980-10-01T00:00:00Z"}'
  curl -s -X PATCH $base/v1/shelves/1/books/2 -H 'Content-Type: application/json' -d '{"price":12.5,"inStock":false}'
  curl -s $base/v1/lookup/shelves/2/books/5
  curl -s -X POST $base/v1/isbn:check -H 'Content-Type: application/json' -d '{"isbns":["9780441478125","123"]}'
  curl -s -X POST $base/demo.bookstore.v1.Bookstore/Stats -H 'Content-Type: application/json' -d '{}'
  curl -s -i $base/v1/shelves/1/books/42
  curl -s -i -X PUT $base/v1/shelves/1/books/1
  curl -s -X POST $base/v1/shelves/1/books -H 'Content-Type: application/json' -d '{"titel":"typo"}'
  curl -s '$base/v1/shelves/1/books?pageSize=many'
  curl -s -i $base/v1/products/p1/page
  curl -s '$base/v1/product-pages?pageSize=2'
  curl -s '$base/v1/category-shelves?categories=coffee&categories=tea&pageSize=1'
  curl -s '$base/v1/category-shelves?categories=coffee&categories=tea&pageSize=2&fields=products.id,products.name'
  curl -s '$base/v1/products/p1/page?fields=product.name,price.amount'
  curl -s $base/-/plans/demo.storefront.v1.Storefront.GetProductPage
  curl -s -H 'Accept: application/x-ndjson' '$base/v1/shelves/1/books:stream?fail_after=1'
  curl -s -X POST $base/v1/shelves/2/books:batchCreate -H 'Content-Type: application/x-ndjson' \
       --data-binary \$'{"title":"Contact"}\\n{"title":"Solaris"}\\n'
  curl -s $base/-/readyz
  curl -s $base/-/routes
  curl -s $base/-/openapi.json

Press Ctrl-C to stop.
EOT
wait
