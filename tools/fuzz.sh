#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, build-fuzz/) and runs each for a
# while on a scratch copy of its seed corpus (README "Development"):
#   tools/fuzz.sh [seconds per target, default 120] [target ...]
# Targets are named without "_fuzzer" (http_request, grpc_frames, ...); none
# given: all. Prints each run's last status line (executions, coverage).
# A finding stops with the reproducer in build-fuzz/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-120}
shift || true
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  TARGETS=(json_to_wire wire_to_json path_template route_matcher jwt_parser
    jwk_set http_request grpc_frames json_sequence query_string config_yaml
    plan_options grpc_web http2_request)
fi
BUILD_DIR=${BUILD_DIR:-build-fuzz}
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
else
  launcher=()
fi
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROTOGATE_FUZZ=ON "${launcher[@]}" \
    >/dev/null
fi
cmake --build "$BUILD_DIR" -j "${JOBS:-2}" \
  --target "${TARGETS[@]/%/_fuzzer}"
mkdir -p "$BUILD_DIR/findings"
for t in "${TARGETS[@]}"; do
  work="$BUILD_DIR/corpus/$t"
  rm -rf "$work" && mkdir -p "$work"
  cp tests/fuzz/corpus/"$t"_fuzzer/* "$work"/
  # Findings as the issue counts them: crashes, leaks, over 1 s per input,
  # over 2 GiB (libFuzzer's -rss_limit_mb) or a single allocation over
  # 100x the largest input (-malloc_limit_mb).
  "$BUILD_DIR/tests/fuzz/${t}_fuzzer" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=1 -max_len=65536 -malloc_limit_mb=64 -print_final_stats=1 \
    -artifact_prefix="$BUILD_DIR/findings/${t}-" "$work" \
    2>"$BUILD_DIR/fuzz-$t.log" || { tail -40 "$BUILD_DIR/fuzz-$t.log"; exit 1; }
  echo "$t: $(grep -E '^#[0-9]+' "$BUILD_DIR/fuzz-$t.log" | tail -1)"
  grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' \
    "$BUILD_DIR/fuzz-$t.log" | tr '\n' ' '
  echo
done
