#!/usr/bin/env bash
# Sanitizer suites (README "Development"), run by tools/test.sh after the
# normal suite:
#   tools/sanitize.sh address  clang ASan + UBSan (every finding fatal) in
#                              build-asan/: the whole suite, the real
#                              binary and its demo backends included
#   tools/sanitize.sh thread   clang TSan in build-tsan/: the concurrency
#                              tests of the HTTP server (several I/O
#                              threads, drain, hostile clients), of plan
#                              fan-out, of the HTTP/2 client against raw
#                              HTTP/2 backends, and the hardening tests of
#                              the binary (load, reloads, SIGTERM, failing
#                              backends); SANITIZE_FULL=1 adds the gRPC ones
# Each builds only the targets its tests need and prints how long the build
# and the tests took (wall and CPU). Any sanitizer report fails the test
# that caused it. SANITIZE_TARGETS / SANITIZE_TESTS (a ctest regex)
# override the selection.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KIND=${1:?usage: tools/sanitize.sh address|thread}
JOBS=${JOBS:-2}

case "$KIND" in
  address)
    BUILD_DIR=${BUILD_DIR:-build-asan}
    # Every test; the layout checks compile nothing. The hardening and
    # operate tests run the ASan-built protogate and demo backends as child
    # processes: LeakSanitizer checks the gateway at each clean exit they
    # assert.
    TESTS=${SANITIZE_TESTS:-.}
    EXCLUDE='_NOT_BUILT|^layout[.]'
    DEFAULT_TARGETS="all"
    TARGETS=(${SANITIZE_TARGETS:-$DEFAULT_TARGETS})
    ;;
  thread)
    BUILD_DIR=${BUILD_DIR:-build-tsan}
    # Servers on several I/O threads, shutdown and drain, hostile clients,
    # plan fan-out. The tests that run gRPC (upstream_test, server_test:
    # health checks, channels, reload under load, streaming relay) are not
    # clean yet: Debian's libgrpc is not built with TSan and its internal
    # synchronization is invisible to it (see README "Development");
    # SANITIZE_FULL=1 runs them too.
    # upstream_test's suites against raw HTTP/2 backends (protogate's own
    # HTTP/2 client: streams, retries, failures, malformed answers) run no
    # gRPC in the test process.
    # hardening_test runs the TSan-built binary (no gRPC in it) against the
    # demo backends, whose reports it turns off (they run libgrpc).
    # observability_test's MetricsRegistryTest: threads adding to the
    # shards they own with plain stores while a scrape reads them.
    DEFAULT_TARGETS="http_test aggregator_test upstream_test hardening_test observability_test"
    TESTS='(^|/)(ServerTest|ShutdownTest|ChunkedLimitsTest|LimitsTest|HostileClientTest|ExecutorTest'
    TESTS+='|H2ChannelRawTest|H2ChannelFailureTest|H2StreamRetryTest|H2HugeMessageTest|MalformedResponseTest|RawH2BackendTest|UpstreamsTest|GrpcWireTest'
    TESTS+='|FaultBackendsTest|CannedBackendTest|RawBackendTest|LifecycleTest|MemoryAmplificationTest|ErrorPathsTest|MetricsRegistryTest)[.]'
    if [[ -n "${SANITIZE_FULL:-}" ]]; then
      DEFAULT_TARGETS+=" server_test"
      TESTS='.'
    fi
    TARGETS=(${SANITIZE_TARGETS:-$DEFAULT_TARGETS})
    TESTS=${SANITIZE_TESTS:-$TESTS}
    EXCLUDE='_NOT_BUILT|^layout[.]|^codegen[.]|^conformance[.]'
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
# The address build names its ignorelist by absolute path, which ccache
# hashes as written, so a clone at another path would miss the cache:
# the option is left out of the hash and the file's content is hashed.
export CCACHE_IGNOREOPTIONS="${CCACHE_IGNOREOPTIONS:-} -fsanitize-ignorelist=*"
export CCACHE_EXTRAFILES=$ROOT/tests/fuzz/sanitizer_ignorelist.txt

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
times >"$BUILD_DIR/cpu-after-build.txt"  # User and system CPU of children.
(cd "$BUILD_DIR" && ctest -j "$JOBS" --output-on-failure --timeout 600 \
  -R "$TESTS" -E "$EXCLUDE")
done_at=$(date +%s)
times >"$BUILD_DIR/cpu-after-tests.txt"
echo "sanitize $KIND: build $((built - start)) s, tests $((done_at - built)) s;" \
  "children's CPU (user system) after the build:" \
  "$(tail -1 "$BUILD_DIR/cpu-after-build.txt"), after the tests:" \
  "$(tail -1 "$BUILD_DIR/cpu-after-tests.txt")"
