#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, build-fuzz/) and runs each for a
# while on a scratch copy of its seed corpus (README "Development"):
#   tools/fuzz.sh [seconds per target, default 120] [target ...]
# Targets are named without "_fuzzer" (http_request, grpc_frames, ...); none
# given: all. Prints each run's last status line (executions, coverage).
# A finding stops with the reproducer in build-fuzz/findings/; a 1 s
# timeout whose input runs in under 1 s alone (a loaded machine) does not,
# and the target goes on for the time left.
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

# Replays one input alone with a generous timeout; prints its run time in ms.
alone_ms() {
  "$BUILD_DIR/tests/fuzz/${1}_fuzzer" -timeout=30 -runs=1 "$2" 2>&1 |
    sed -nE 's/^Executed .* in ([0-9]+) ms$/\1/p'
}

for t in "${TARGETS[@]}"; do
  work="$BUILD_DIR/corpus/$t"
  rm -rf "$work" && mkdir -p "$work"
  cp tests/fuzz/corpus/"$t"_fuzzer/* "$work"/
  # Findings as the issue counts them: crashes, leaks, over 1 s per input,
  # over 2 GiB (libFuzzer's -rss_limit_mb) or a single allocation over
  # 100x the largest input (-malloc_limit_mb). On a loaded machine an input
  # can pass 1 s of wall time waiting for a core: a timeout whose input runs
  # in under 1 s alone is counted as load and the run goes on, on the corpus
  # grown so far, for the time left. Each part's log is fuzz-$t.N.log.
  left=$SECONDS_PER_TARGET executions=0 part=0 load_timeouts=0
  while ((left > 5)); do
    part=$((part + 1))
    log="$BUILD_DIR/fuzz-$t.$part.log"
    started=$SECONDS
    status=0
    "$BUILD_DIR/tests/fuzz/${t}_fuzzer" -max_total_time="$left" \
      -timeout=1 -max_len=65536 -malloc_limit_mb=64 -print_final_stats=1 \
      -artifact_prefix="$BUILD_DIR/findings/${t}-$part-" "$work" \
      2>"$log" || status=$?
    left=$((left - (SECONDS - started)))
    n=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#([0-9]+).*/\1/' || true)
    executions=$((executions + ${n:-0}))
    ((status == 0)) && break
    artifact=$(ls "$BUILD_DIR/findings/${t}-$part-"* 2>/dev/null | head -1 || true)
    ms=""
    [[ "$artifact" == *timeout-* ]] && ms=$(alone_ms "$t" "$artifact" || true)
    if [[ -n "$ms" ]] && ((ms < 1000)); then
      echo "$t: a timeout whose input runs in $ms ms alone (load); going on"
      load_timeouts=$((load_timeouts + 1))
      mv "$artifact" "$artifact.load"
      continue
    fi
    tail -40 "$log"
    exit 1
  done
  echo "$t: $executions executions in $SECONDS_PER_TARGET s ($part part(s)," \
    "$load_timeouts load timeout(s)); last: $(grep -E '^#[0-9]+' "$log" | tail -1)"
  grep -E 'stat::peak_rss_mb' "$log" | tr -s ' ' || true
done
