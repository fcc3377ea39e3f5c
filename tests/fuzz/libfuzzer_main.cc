// The libFuzzer entry of one fuzz target; PROTOGATE_FUZZ_ENTRY names its
// body in fuzz_targets.h (set per binary by tests/fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_targets.h"

#ifndef PROTOGATE_FUZZ_ENTRY
#error "PROTOGATE_FUZZ_ENTRY must name a target of fuzz_targets.h"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return protogate::fuzz::PROTOGATE_FUZZ_ENTRY(data, size);
}
