# Helpers of the tests/operate shell tests: start processes whose output is
# read line by line with a deadline, and stop them all when the test exits.
# Usage: source lib.sh; start NAME cmd...; wait_line NAME REGEX [SECONDS]

OPERATE_TMP=$(mktemp -d)
declare -A OPERATE_PID OPERATE_FD
OPERATE_LAST_LINE=""

operate_cleanup() {
  local name
  for name in "${!OPERATE_PID[@]}"; do
    kill "${OPERATE_PID[$name]}" 2>/dev/null || true
    wait "${OPERATE_PID[$name]}" 2>/dev/null || true
  done
  rm -rf "$OPERATE_TMP"
}
trap operate_cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# start NAME CMD...: runs CMD with stdout and stderr on one pipe.
start() {
  local name=$1
  shift
  mkfifo "$OPERATE_TMP/$name.fifo"
  "$@" >"$OPERATE_TMP/$name.fifo" 2>&1 &
  OPERATE_PID[$name]=$!
  exec {fd}<"$OPERATE_TMP/$name.fifo"
  OPERATE_FD[$name]=$fd
}

# wait_line NAME REGEX [SECONDS]: reads NAME's output until a line matches
# (kept in OPERATE_LAST_LINE); fails at the deadline or when NAME exits.
wait_line() {
  local name=$1 regex=$2 seconds=${3:-30} line
  local deadline=$((SECONDS + seconds))
  while ((SECONDS < deadline)); do
    if ! IFS= read -r -t $((deadline - SECONDS)) -u "${OPERATE_FD[$name]}" line; then
      fail "$name: no line matching /$regex/ within ${seconds}s"
    fi
    echo "  $name| $line" >&2
    if [[ $line =~ $regex ]]; then
      OPERATE_LAST_LINE=$line
      return 0
    fi
  done
  fail "$name: no line matching /$regex/ within ${seconds}s"
}

# stop NAME: SIGTERM, then waits for the exit; its code is in STOP_CODE.
# NAME's output after the last line read is drained while it exits (so a
# long report never blocks it on the pipe) and shown when the code is not 0.
# (Not in a $(...) subshell: only this shell can wait for its children.)
STOP_CODE=""
stop() {
  local name=$1 drain
  STOP_CODE=0
  cat <&"${OPERATE_FD[$name]}" >"$OPERATE_TMP/$name.rest" &
  drain=$!
  kill -TERM "${OPERATE_PID[$name]}" 2>/dev/null || true
  wait "${OPERATE_PID[$name]}" || STOP_CODE=$?
  wait "$drain" || true
  unset "OPERATE_PID[$name]"
  if ((STOP_CODE != 0)); then sed "s/^/  $name| /" "$OPERATE_TMP/$name.rest" >&2; fi
}

# The port of a "... listening on [http://]HOST:PORT" line.
port_of() { echo "${1##*:}"; }
