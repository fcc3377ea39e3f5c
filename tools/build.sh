#!/usr/bin/env bash
# Installs the dependencies, configures the build tree (build/, or $BUILD_DIR)
# and builds the given targets (all when none are given).
# Used by tools/demo.sh and tools/test.sh; safe to run again at any time.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
tools/install-npm.sh
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
# ccache, when present, keyed on paths relative to the repository, so that
# clones in any folder share one cache.
launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPROTOGATE_WERROR=ON "${launcher[@]}" >/dev/null
fi
if (($#)); then
  cmake --build "$BUILD_DIR" -j "$JOBS" --target "$@"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
