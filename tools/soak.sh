#!/usr/bin/env bash
# The lifecycle soak at full length (README "Development"): builds
# hardening_test and runs LifecycleTest.SoakKeepsRssAndOpenFdsFlat for
# $1 seconds (default 60; the default test run soaks 10 s), then prints the
# requests served and the gateway's RSS after warm-up and after the soak.
#   tools/soak.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/build.sh hardening_test
BUILD_DIR=${BUILD_DIR:-build}
out=$(mktemp /tmp/protogate-soak-XXXXXX.xml)
trap 'rm -f "$out"' EXIT
PROTOGATE_SOAK_SECONDS=${1:-60} PROTOGATE_TEST_BIN_DIR="$PWD/$BUILD_DIR" \
  "$BUILD_DIR/tests/hardening/hardening_test" \
  --gtest_filter=LifecycleTest.SoakKeepsRssAndOpenFdsFlat \
  --gtest_output="xml:$out"
grep -o '<property name="[a-z_]*" value="[0-9]*"' "$out" | cut -d'"' -f2,4 |
  tr '"' '=' | tr '\n' ' '
echo
