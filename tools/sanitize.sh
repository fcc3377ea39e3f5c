#!/usr/bin/env bash
# Sanitizer suites (README "Development"), run by tools/test.sh after the
# normal suite:
#   tools/sanitize.sh address  clang ASan + UBSan (every finding fatal) in
#                              build-asan/: the ctest suite
#   tools/sanitize.sh thread   clang TSan in build-tsan/: the concurrency
#                              tests (I/O threads, reload under load, plan
#                              fan-out, health checks, streaming relay)
# Each builds only the targets its tests need and prints how long the build
# and the tests took. Any sanitizer report fails the test that caused it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KIND=${1:?usage: tools/sanitize.sh address|thread}
JOBS=${JOBS:-2}

case "$KIND" in
  address)
    BUILD_DIR=${BUILD_DIR:-build-asan}
    # Everything but the benchmarks: the whole suite runs.
    TARGETS=(all)
    TESTS=${SANITIZE_TESTS:-.}
    ;;
  thread)
    BUILD_DIR=${BUILD_DIR:-build-tsan}
    TARGETS=(${SANITIZE_TARGETS:-http_test aggregator_test upstream_test})
    # Servers on several I/O threads, shutdown and drain, plan fan-out,
    # cluster health checks, channels. (server_test, with reload under load
    # and the streaming relay, links everything: SANITIZE_TARGETS adds it.)
    TESTS=${SANITIZE_TESTS:-'(^|/)(ServerTest|ShutdownTest|ChunkedLimitsTest|LimitsTest|HostileClientTest|ExecutorTest|ClusterTest|GrpcUnaryChannel[A-Za-z]*Test|H2(Channel|Cluster)[A-Za-z]*Test|RetryingChannelTest|HealthMonitor[A-Za-z]*Test)[.]'}
    ;;
  *)
    echo "usage: tools/sanitize.sh address|thread" >&2
    exit 2
    ;;
esac

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/sanitizers/lsan.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:suppressions=$ROOT/tests/sanitizers/tsan.supp:print_suppressions=0}

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

start=$(date +%s)
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROTOGATE_WERROR=ON \
    -DPROTOGATE_SANITIZE="$KIND" "${launcher[@]}" >/dev/null
fi
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${TARGETS[@]}"
built=$(date +%s)
(cd "$BUILD_DIR" && ctest -j "$JOBS" --output-on-failure --timeout 600 \
  -R "$TESTS")
done_at=$(date +%s)
echo "sanitize $KIND: build $((built - start)) s, tests $((done_at - built)) s"
