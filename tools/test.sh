#!/usr/bin/env bash
# README command 2: installs what is needed, builds everything once and runs
# the whole test suite (ctest, 2 in parallel), then the sanitizer suites
# (README "Development"), each in its own build tree: ASan + UBSan on the
# whole suite, TSan on the concurrency tests.
# The last line is the TSan suite's timing line.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/build.sh
BUILD_DIR=${BUILD_DIR:-build}
(cd "$BUILD_DIR" && ctest -j "${JOBS:-2}" --output-on-failure --timeout 300)
BUILD_DIR= tools/sanitize.sh address
BUILD_DIR= tools/sanitize.sh thread
