#!/usr/bin/env bash
# README command 2: installs what is needed, builds everything once and runs
# the whole test suite (ctest, 2 in parallel). The last line is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest -j "${JOBS:-2}" --output-on-failure --timeout 300
