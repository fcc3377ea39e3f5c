// Lower-case hex formatting of byte arrays, for the ids every request
// formats (trace and span ids, traceparent values, request ids): 16 digits
// per SSE2 step when the size is a multiple of 8 bytes, a two-digit table
// lookup per byte otherwise.
//
// Thread safety: stateless functions and constant tables.
//
// Example:
//   std::array<uint8_t, 16> id = ...;
//   std::string text(32, '\0');
//   base::AppendLowerHex(id, text.data());
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace protogate::base {

// "00".."ff": two lower-case hex digits per byte value.
inline constexpr std::array<char, 512> kLowerHexPairs = [] {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (int i = 0; i < 256; ++i) {
    pairs[2 * i] = kDigits[i >> 4];
    pairs[2 * i + 1] = kDigits[i & 15];
  }
  return pairs;
}();

#if defined(__SSE2__)
// Writes the 16 hex digits of the 8 bytes in the low half of `bytes`
// (each byte's high nibble first): '0' + n, plus 39 more ('a' - '0' - 10)
// where the nibble n > 9.
inline void StoreLowerHex16(__m128i bytes, char* out) {
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  const __m128i low = _mm_and_si128(bytes, mask);
  const __m128i nibbles = _mm_unpacklo_epi8(high, low);
  const __m128i letters = _mm_and_si128(
      _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)), _mm_set1_epi8('a' - '0' - 10));
  _mm_storeu_si128(
      reinterpret_cast<__m128i*>(out),
      _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8('0')), letters));
}
#endif

// Writes the 2*N lower-case hex digits of `bytes` (each byte's high nibble
// first) at `out`; returns the end. REQUIRES: `out` has room for 2*N.
template <size_t N>
char* AppendLowerHex(const std::array<uint8_t, N>& bytes, char* out) {
#if defined(__SSE2__)
  if constexpr (N % 8 == 0) {
    for (size_t i = 0; i < N; i += 8) {
      StoreLowerHex16(
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(bytes.data() + i)),
          out + 2 * i);
    }
    return out + 2 * N;
  }
#endif
  for (uint8_t byte : bytes) {
    std::memcpy(out, &kLowerHexPairs[2 * byte], 2);
    out += 2;
  }
  return out;
}

}  // namespace protogate::base
