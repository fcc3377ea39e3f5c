#!/usr/bin/env bash
# Lays out protogate's install root: the binary and what it loads at run
# time. The Dockerfile runs this in its build stage; tests/operate runs it
# to start the gateway from the root as an unprivileged user.
#
#   tools/package.sh [--with-libs] BUILD_DIR ROOT [TARBALL]
#
# ROOT gets:
#   usr/local/bin/protogate                  the binary (debug info stripped)
#   etc/protogate/protogate.yaml             the config (deploy/kubernetes/)
#   etc/protogate/demo.binpb                 the descriptor set it names
#   usr/share/protogate/runtime-packages.txt the Debian 12 packages of the
#                                            shared libraries it links
# The explorer page (/-/explorer) is built into the binary.
# --with-libs also copies those shared libraries and the dynamic loader to
# their paths under ROOT, so that ROOT runs under chroot on its own (the
# container image installs the packages from apt instead). TARBALL, when
# given, is ROOT as a .tar.gz (owned by root, files readable by all).
set -euo pipefail

with_libs=0
if [[ ${1:-} == --with-libs ]]; then
  with_libs=1
  shift
fi
if (($# < 2 || $# > 3)); then
  echo "usage: $0 [--with-libs] BUILD_DIR ROOT [TARBALL]" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
root=$2
tarball=${3:-}
binary=$build/gateway/server/protogate
for f in "$binary" "$build/proto/demo.binpb"; do
  [[ -f $f ]] || { echo "package: $f is missing (build it first)" >&2; exit 1; }
done

rm -rf "$root"
install -d -m 755 "$root/usr/local/bin" "$root/etc/protogate" \
  "$root/usr/share/protogate"
install -m 755 "$binary" "$root/usr/local/bin/protogate"
strip --strip-debug "$root/usr/local/bin/protogate"
install -m 644 "$src/deploy/kubernetes/protogate.yaml" "$root/etc/protogate/"
install -m 644 "$build/proto/demo.binpb" "$root/etc/protogate/"

# The shared libraries, as ldd resolves them, and their Debian packages.
mapfile -t libs < <(ldd "$binary" | awk '/=> \// {print $3} /^\t\/.*ld-linux/ {print $1}')
packages=()
for lib in "${libs[@]}"; do
  owner=$(dpkg -S "$(realpath "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null) ||
    { echo "package: no Debian package owns $lib" >&2; exit 1; }
  packages+=("${owner%%:*}")
  if ((with_libs)); then
    real=$(realpath "$lib")
    install -D -m "$(stat -c %a "$real")" "$real" "$root$lib"
  fi
done
printf '%s\n' "${packages[@]}" | sort -u >"$root/usr/share/protogate/runtime-packages.txt"

if [[ -n $tarball ]]; then
  tar -C "$root" --owner=0 --group=0 --numeric-owner -czf "$tarball" .
fi
echo "package: $root ($(wc -l <"$root/usr/share/protogate/runtime-packages.txt") runtime packages)"
