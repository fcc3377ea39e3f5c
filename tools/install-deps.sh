#!/usr/bin/env bash
# Installs every Debian package protogate needs to build, test and run its demo,
# plus any package named as an argument (the profiling tools add theirs).
# Idempotent: packages already present are left alone and apt-get runs only when
# something is missing. Must run as root (or with sudo available).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libprotoc-dev protobuf-compiler
  libabsl-dev libboost1.81-dev rapidjson-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libyaml-cpp-dev libssl-dev openssl libnghttp2-dev nghttp2-client libre2-dev
  clang-format clang ccache patchelf
  openssl python3-jwt python3-cryptography python3-grpcio
  libhiredis-dev redis-server chromium prometheus
  "$@"
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js and npm run the TypeScript and OpenAPI checks; a machine that has
# them from elsewhere keeps its own.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
