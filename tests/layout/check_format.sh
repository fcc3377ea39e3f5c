#!/usr/bin/env bash
# Fails when a tracked C++ source is not formatted by the root .clang-format
# (clang-format --dry-run -Werror). Fix with:
#   git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"

if ! command -v clang-format >/dev/null 2>&1; then
  echo "check_format: clang-format is not installed (tools/install-deps.sh)" >&2
  exit 1
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find . -path ./build -prune -o \( -name '*.cc' -o -name '*.h' \) -print)
fi
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files formatted"
