// Word-at-a-time byte tests (SWAR) for the scanners of JSON strings and
// header values: whether any of the 8 bytes of a 64-bit word is below or
// above a bound, equals a value, must be escaped in a JSON string, or is not
// printable ASCII. Exact for "any": no false positives or
// negatives, whatever the other bytes are.
//
// Thread safety: stateless constexpr functions.
//
// Example:
//   uint64_t x;
//   std::memcpy(&x, p, sizeof(x));
//   if (AnyJsonEscapedByte(x) == 0) p += 8;  // Eight plain bytes.
#pragma once

#include <cstdint>

namespace protogate::base {

inline constexpr uint64_t kByteOnes = 0x0101010101010101u;
inline constexpr uint64_t kByteHighs = 0x8080808080808080u;

// Nonzero if a byte of `x` is below `n`. REQUIRES: n <= 128.
constexpr uint64_t AnyByteBelow(uint64_t x, uint8_t n) {
  return (x - kByteOnes * n) & ~x & kByteHighs;
}

// Nonzero if a byte of `x` is above `n`. REQUIRES: n <= 127.
constexpr uint64_t AnyByteAbove(uint64_t x, uint8_t n) {
  return ((x + kByteOnes * static_cast<uint8_t>(127 - n)) | x) & kByteHighs;
}

// Nonzero if a byte of `x` equals `c`.
constexpr uint64_t AnyByteEqual(uint64_t x, uint8_t c) {
  return AnyByteBelow(x ^ (kByteOnes * c), 1);
}

// Nonzero if a byte of `x` is a control byte (below 0x20), '"' or '\\'.
constexpr uint64_t AnyJsonEscapedByte(uint64_t x) {
  return AnyByteBelow(x, 0x20) | AnyByteEqual(x, '"') | AnyByteEqual(x, '\\');
}

// Nonzero if a byte of `x` is not printable ASCII (0x20-0x7e).
constexpr uint64_t AnyNonPrintableByte(uint64_t x) {
  return AnyByteBelow(x, 0x20) | AnyByteAbove(x, 0x7e);
}

}  // namespace protogate::base
