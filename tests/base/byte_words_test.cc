#include "gateway/base/byte_words.h"

#include <cstdint>
#include <cstring>

#include "gtest/gtest.h"

namespace protogate::base {
namespace {

uint64_t WordWith(uint8_t filler, uint8_t byte, int at) {
  uint8_t bytes[8];
  std::memset(bytes, filler, sizeof(bytes));
  bytes[at] = byte;
  uint64_t x;
  std::memcpy(&x, bytes, sizeof(x));
  return x;
}

// Every byte value at every position, among fillers at the edges of the
// printable range and beyond it (whose carries must not hide or invent a
// hit): the word tests agree with the byte tests.
TEST(ByteWordsTest, NonPrintableMatchesTheByteTest) {
  for (int filler : {0x20, 0x41, 0x7e, 0x7f, 0xff, 0x00}) {
    const bool filler_bad = filler < 0x20 || filler > 0x7e;
    for (int byte = 0; byte < 256; ++byte) {
      const bool byte_bad = byte < 0x20 || byte > 0x7e;
      for (int at = 0; at < 8; ++at) {
        const uint64_t x = WordWith(static_cast<uint8_t>(filler),
                                    static_cast<uint8_t>(byte), at);
        EXPECT_EQ(AnyNonPrintableByte(x) != 0, filler_bad || byte_bad)
            << "filler " << filler << " byte " << byte << " at " << at;
        EXPECT_EQ(AnyByteAbove(x, 0x7e) != 0, filler > 0x7e || byte > 0x7e)
            << "filler " << filler << " byte " << byte << " at " << at;
      }
    }
  }
}

TEST(ByteWordsTest, AboveAnyBound) {
  for (int n = 0; n <= 127; ++n) {
    for (int byte = 0; byte < 256; ++byte) {
      const uint64_t x = WordWith(0, static_cast<uint8_t>(byte), 3);
      EXPECT_EQ(AnyByteAbove(x, static_cast<uint8_t>(n)) != 0, byte > n)
          << "n " << n << " byte " << byte;
    }
  }
}

}  // namespace
}  // namespace protogate::base
