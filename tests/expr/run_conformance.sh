#!/usr/bin/env bash
# Runs the CelConformance gtest (tests/expr/cel_conformance.cc) on the
# claimed cel-spec sections, which tools/node/cel_conformance_json.cjs turns
# into JSON from @bufbuild/cel-spec (installed by tools/install-npm.sh).
# Usage (from the source root, as ctest runs it): run_conformance.sh BINARY
#   [--all]  (--all: every section, to see what is left out; fails)
set -euo pipefail
binary=$1
shift
root=$PWD
if [[ ! -d $root/tools/node/node_modules/@bufbuild/cel-spec ]]; then
  echo "run_conformance: @bufbuild/cel-spec missing; run tools/install-npm.sh" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
node "$root/tools/node/cel_conformance_json.cjs" "$out/conformance.json" "$@"
CEL_CONFORMANCE_JSON=$out/conformance.json "$binary"
