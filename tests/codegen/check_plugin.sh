#!/usr/bin/env bash
# Runs protoc with protoc-gen-protogate on proto/demo/bookstore.proto (and
# on tests/codegen/testdata/codegen_test/features/v1/features.proto) and
# checks its output. Usage (from the source root, as ctest runs it):
#   check_plugin.sh golden|tsc|openapi|client_e2e PROTOC PLUGIN
#  golden      the output equals tests/codegen/golden (TypeScript byte for
#              byte, OpenAPI as parsed JSON)
#  tsc         the TypeScript compiles with tsc --strict (both layouts)
#  openapi     openapi.json is a valid OpenAPI 3.1 document
#  client_e2e  the compiled client against the real gateway and demo backend
#              (tests/codegen/client_e2e.mjs, node --test); needs
#              PROTOGATE_TEST_BIN_DIR
# Node tools: tools/node/node_modules (tools/install-npm.sh).
set -euo pipefail
check=$1 protoc=$2 plugin=$3
root=$PWD
bin_tools=$root/tools/node/node_modules/.bin
if [[ $check != golden && ! -x $bin_tools/tsc ]]; then
  echo "check_plugin: Node tools missing; run tools/install-npm.sh" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

mkdir -p "$out/gen" "$out/features"
"$protoc" -I "$root/proto" --plugin=protoc-gen-protogate="$plugin" \
  --protogate_out="$out/gen" --protogate_opt=openapi_title=demo.bookstore.v1 \
  demo/bookstore.proto
# Every mapping, another package's types, streaming (testdata/codegen_test).
"$protoc" -I "$root/proto" -I "$root/tests/codegen/testdata" \
  --plugin=protoc-gen-protogate="$plugin" --protogate_out="$out/features" \
  codegen_test/features/v1/features.proto

compile_ts() {  # $1: outDir, $2: sources dir (default: gen). As ES modules.
  local src=${2:-$out/gen}
  echo '{"type": "module"}' >"$src/package.json"
  local files=("$src/demo/bookstore.ts" "$src/protogate_runtime.ts")
  [[ -f "$src/demo/storefront.ts" ]] && files+=("$src/demo/storefront.ts")
  "$bin_tools/tsc" --strict --target es2022 --module nodenext \
    --moduleResolution nodenext --lib es2022,dom --declaration \
    --outDir "$1" "${files[@]}"
  echo '{"type": "module"}' >"$1/package.json"
}

case $check in
  golden)
    diff -r -x openapi.json "$root/tests/codegen/golden/ts" "$out/gen"
    node -e '
      const fs = require("fs");
      const [a, b] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f)));
      const sorted = (v) => Array.isArray(v) ? v.map(sorted)
        : v && typeof v === "object"
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]))
          : v;
      if (JSON.stringify(sorted(a)) !== JSON.stringify(sorted(b))) {
        console.error("openapi.json differs from tests/codegen/golden/openapi.json");
        process.exit(1);
      }' "$root/tests/codegen/golden/openapi.json" "$out/gen/openapi.json"
    echo "plugin output equals the goldens"
    ;;
  tsc)
    compile_ts "$out/js"
    # The other layout and import style, as a bundler would compile them.
    mkdir -p "$out/pkg"
    "$protoc" -I "$root/proto" --plugin=protoc-gen-protogate="$plugin" \
      --protogate_out="$out/pkg" \
      --protogate_opt=target=ts,layout=package,import_style=none \
      demo/bookstore.proto
    test -f "$out/pkg/demo/bookstore/v1.ts"
    "$bin_tools/tsc" --strict --noEmit --target es2022 --module esnext \
      --moduleResolution bundler --lib es2022,dom \
      "$out/pkg/demo/bookstore/v1.ts" "$out/pkg/protogate_runtime.ts"
    echo '{"type": "module"}' >"$out/features/package.json"
    "$bin_tools/tsc" --strict --noEmit --target es2022 --module nodenext \
      --moduleResolution nodenext --lib es2022,dom \
      "$out/features/codegen_test/features/v1/features.ts"
    echo "tsc --strict: ok"
    ;;
  openapi)
    "$bin_tools/validate-api" "$out/gen/openapi.json"
    "$bin_tools/validate-api" "$out/features/openapi.json"
    ;;
  client_e2e)
    # The bookstore and the storefront (whose methods are composition plans
    # the gateway runs), generated together.
    mkdir -p "$out/both"
    "$protoc" -I "$root/proto" --plugin=protoc-gen-protogate="$plugin" \
      --protogate_out="$out/both" --protogate_opt=target=ts \
      demo/bookstore.proto demo/storefront.proto
    compile_ts "$out/js" "$out/both"
    PROTOGATE_CODEGEN_JS="$out/js" node --test "$root/tests/codegen/client_e2e.mjs"
    ;;
  *)
    echo "check_plugin: unknown check $check" >&2
    exit 2
    ;;
esac
