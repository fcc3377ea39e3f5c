#!/usr/bin/env bash
# Runs the protobuf conformance suite against protogate's transcoder.
# Usage: tests/conformance/run_conformance.sh BUILD_DIR [RUNNER_DIR]
# BUILD_DIR must hold a built tests/conformance/conformance_testee. The
# runner comes from the npm package tools/install-npm.sh installs, made to
# run here by tests/conformance/runner/install.sh (into RUNNER_DIR, default
# BUILD_DIR/conformance-runner).
set -euo pipefail
build=${1:?usage: run_conformance.sh BUILD_DIR [RUNNER_DIR]}
runner_dir=${2:-$build/conformance-runner}
here=$(cd "$(dirname "$0")" && pwd)
runner=$(bash "$here/runner/install.sh" "$runner_dir" | tail -n1)
include="$runner_dir/include"
descriptors="$build/conformance_descriptors.binpb"
protoc -I"$include" --include_imports --descriptor_set_out="$descriptors" \
  "$include/google/protobuf/test_messages_proto3.proto" \
  "$include/google/protobuf/test_messages_proto2.proto"
# The runner preloads a shim; let sanitizer builds of the testee run too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
PROTOGATE_CONFORMANCE_DESCRIPTORS="$descriptors" \
  "$runner" --enforce_recommended --maximum_edition PROTO3 \
  "$build/tests/conformance/conformance_testee"
