#include "gateway/transcoding/text_codecs.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gateway/transcoding/query_params.h"
#include "gateway/transcoding/wire_format.h"
#include "gtest/gtest.h"

namespace protogate::transcoding {
namespace {

TEST(Base64Test, EncodesStandardPadded) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},        {"f", "Zg=="},        {"fo", "Zm8="},
      {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"\xfb\xff", "+/8="},
  };
  for (const auto& [raw, text] : cases) {
    std::string out;
    Base64Encode(raw, &out);
    EXPECT_EQ(out, text);
    std::string back;
    ASSERT_TRUE(Base64Decode(text, &back)) << text;
    EXPECT_EQ(back, raw);
  }
}

TEST(Base64Test, DecodesUrlSafeAndUnpaddedRejectsGarbage) {
  std::string out;
  EXPECT_TRUE(Base64Decode("-_8", &out));
  EXPECT_EQ(out, "\xfb\xff");
  out.clear();
  EXPECT_TRUE(Base64Decode("Zg", &out));
  EXPECT_EQ(out, "f");
  for (const char* bad : {"Z", "Zg=", "Z===", "Zm9v!", "Zm 9v", "=Zg="}) {
    out.clear();
    EXPECT_FALSE(Base64Decode(bad, &out)) << bad;
  }
}

TEST(Utf8Test, AcceptsValidRejectsInvalid) {
  for (const char* ok : {"", "abc", "\xc3\xa9", "\xe2\x82\xac",
                         "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(ok)) << ok;
  }
  for (const char* bad :
       {"\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
        "\xf4\x90\x80\x80", "\xff", "\x80", "a\xc3(", "\xf0\x9f\x98"}) {
    EXPECT_FALSE(IsValidUtf8(bad)) << ::testing::PrintToString(bad);
  }
}

// The byte-wise rule IsPlainJsonAscii must agree with.
bool PlainByByte(const std::string& s) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

TEST(PlainJsonAsciiTest, AgreesWithTheByteRuleForEveryByteAtEveryOffset) {
  // Lengths around the 8-byte word, every byte value at every position.
  for (size_t len = 1; len <= 19; ++len) {
    for (size_t pos = 0; pos < len; ++pos) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(b);
        ASSERT_EQ(IsPlainJsonAscii(s), PlainByByte(s))
            << "len " << len << " pos " << pos << " byte " << b;
      }
    }
  }
  EXPECT_TRUE(IsPlainJsonAscii(""));
  EXPECT_TRUE(IsPlainJsonAscii("The Art of Computer Programming ~\x7f"));
  // Neighbours of the excluded bytes (borrows between word lanes).
  EXPECT_FALSE(IsPlainJsonAscii("abcdefg\x1f"));
  EXPECT_TRUE(IsPlainJsonAscii("!!!!!!!!#####[[[[]]]]"));
}

TEST(JsonQuoteTest, EscapesAsRapidJsonWrites) {
  const std::pair<std::string, std::string> cases[] = {
      {"", R"("")"},
      {"name", R"("name")"},
      {"a\"b", R"("a\"b")"},
      {"back\\slash", R"("back\\slash")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
      {std::string("\0\x01\x1f", 3), R"("\u0000\u0001\u001F")"},
      {"caf\xc3\xa9 \x7f", "\"caf\xc3\xa9 \x7f\""},
  };
  for (const auto& [raw, quoted] : cases) {
    EXPECT_EQ(JsonQuote(raw), quoted) << ::testing::PrintToString(raw);
  }
}

TEST(NumberTest, JsonIntegers) {
  int64_t v = 0;
  EXPECT_TRUE(ParseJsonInt64("-9223372036854775808", INT64_MIN, INT64_MAX, &v));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_TRUE(ParseJsonInt64("1.0e3", INT64_MIN, INT64_MAX, &v));
  EXPECT_EQ(v, 1000);
  EXPECT_TRUE(ParseJsonInt64("-0", INT64_MIN, INT64_MAX, &v));
  EXPECT_EQ(v, 0);
  for (const char* bad : {"", "-", "1.5", "1e-1", "+1", "01", "0x10", " 1",
                          "1 ", "9223372036854775808", "1e19", "NaN"}) {
    EXPECT_FALSE(ParseJsonInt64(bad, INT64_MIN, INT64_MAX, &v)) << bad;
  }
  uint64_t u = 0;
  EXPECT_TRUE(ParseJsonUint64("18446744073709551615", UINT64_MAX, &u));
  EXPECT_EQ(u, UINT64_MAX);
  EXPECT_FALSE(ParseJsonUint64("18446744073709551616", UINT64_MAX, &u));
  EXPECT_FALSE(ParseJsonUint64("-1", UINT64_MAX, &u));
  EXPECT_FALSE(ParseJsonUint64("4294967296", UINT32_MAX, &u));
}

TEST(NumberTest, DoublesAndFormatting) {
  double d = 0;
  EXPECT_TRUE(ParseJsonDouble("NaN", true, &d));
  EXPECT_TRUE(std::isnan(d));
  EXPECT_FALSE(ParseJsonDouble("NaN", false, &d));
  EXPECT_FALSE(ParseJsonDouble("1e999", true, &d));
  EXPECT_FALSE(ParseJsonDouble("inf", true, &d));
  EXPECT_TRUE(ParseJsonDouble("-1.5E-3", false, &d));
  EXPECT_EQ(d, -1.5e-3);
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1.0), "1");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()),
            "-Infinity");
  EXPECT_EQ(FormatDouble(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(FormatFloat(0.1f), "0.1");
  EXPECT_EQ(FormatFloat(std::numeric_limits<float>::quiet_NaN()), "NaN");
}

// The printf formatting FormatDouble/FormatFloat replaced (as libprotobuf):
// the shorter precision when it reads back, else the longer.
template <typename T>
std::string PrintfFormat(T v, int shorter, int longer) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", shorter, static_cast<double>(v));
  const bool same = sizeof(T) == sizeof(float)
                        ? std::strtof(buf, nullptr) == static_cast<float>(v)
                        : std::strtod(buf, nullptr) == static_cast<double>(v);
  if (!same) {
    std::snprintf(buf, sizeof(buf), "%.*g", longer, static_cast<double>(v));
  }
  return buf;
}

TEST(TextCodecsTest, FloatFormattingIsPrintfExactly) {
  std::vector<double> doubles = {
      0.0,
      -0.0,
      1e21,
      1e-7,
      123456789012345678.0,
      std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::min(),
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),
      4.9406564584124654e-324,
      2.2250738585072009e-308,
  };
  std::vector<float> floats = {
      0.0f,
      -0.0f,
      1e-7f,
      16777217.0f,
      std::numeric_limits<float>::denorm_min(),
      std::numeric_limits<float>::min(),
      std::numeric_limits<float>::max(),
  };
  std::mt19937_64 rng(20261126);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isfinite(d)) doubles.push_back(d);
    const uint32_t bits32 = static_cast<uint32_t>(bits >> 16);
    float f;
    std::memcpy(&f, &bits32, sizeof(f));
    if (std::isfinite(f)) floats.push_back(f);
    // Short decimals, as prices and ratings are.
    doubles.push_back(static_cast<double>(bits % 1000000) / 100.0);
    floats.push_back(static_cast<float>(bits % 100000) / 10.0f);
  }
  for (double d : doubles) {
    ASSERT_EQ(FormatDouble(d), PrintfFormat(d, 15, 17)) << d;
  }
  for (float f : floats) {
    ASSERT_EQ(FormatFloat(f), PrintfFormat(f, 6, 9)) << f;
  }
}

TEST(TimeTest, TimestampsAndDurations) {
  int64_t s = 0;
  int32_t n = 0;
  ASSERT_TRUE(ParseTimestamp("1972-06-30T23:59:59.000000001Z", &s, &n));
  EXPECT_EQ(s, 78796799);
  EXPECT_EQ(n, 1);
  std::string out;
  ASSERT_TRUE(FormatTimestamp(s, n, &out).ok());
  EXPECT_EQ(out, "1972-06-30T23:59:59.000000001Z");
  EXPECT_FALSE(ParseTimestamp("1972-06-30T24:00:00Z", &s, &n));
  EXPECT_FALSE(ParseTimestamp("1972-06-30T23:59:60Z", &s, &n));  // No leap s.
  EXPECT_FALSE(ParseTimestamp("1900-02-29T00:00:00Z", &s, &n));
  EXPECT_FALSE(ParseTimestamp("2000-01-01T00:00:00+24:00", &s, &n));
  ASSERT_TRUE(ParseDuration("-1.000001s", &s, &n));
  EXPECT_EQ(s, -1);
  EXPECT_EQ(n, -1000);
  out.clear();
  ASSERT_TRUE(FormatDuration(s, n, &out).ok());
  EXPECT_EQ(out, "-1.000001s");
  for (const char* bad : {"", "s", "1", "1.s", ".5s", "1.5", "+1s", "1 s",
                          "1.0000000001s", "--1s"}) {
    EXPECT_FALSE(ParseDuration(bad, &s, &n)) << bad;
  }
}

TEST(FieldMaskPathTest, ConvertsBothWays) {
  std::string out;
  ASSERT_TRUE(FieldMaskPathToJson("foo_bar.baz_qux", &out));
  EXPECT_EQ(out, "fooBar.bazQux");
  out.clear();
  ASSERT_TRUE(FieldMaskPathFromJson("fooBar.bazQux", &out));
  EXPECT_EQ(out, "foo_bar.baz_qux");
  out.clear();
  EXPECT_FALSE(FieldMaskPathToJson("fooBar", &out));
  EXPECT_FALSE(FieldMaskPathToJson("foo__bar", &out));
  EXPECT_FALSE(FieldMaskPathToJson("foo_1", &out));
  EXPECT_FALSE(FieldMaskPathFromJson("foo_bar", &out));
}

TEST(WireReaderTest, VarintsAndBounds) {
  std::string wire;
  AppendVarint(UINT64_MAX, &wire);
  AppendVarint(300, &wire);
  WireReader r(wire);
  uint64_t v = 0;
  ASSERT_TRUE(r.ReadVarint(&v));
  EXPECT_EQ(v, UINT64_MAX);
  ASSERT_TRUE(r.ReadVarint(&v));
  EXPECT_EQ(v, 300u);
  EXPECT_TRUE(r.done());
  EXPECT_FALSE(r.ReadVarint(&v));
  // Eleven-byte and overflowing varints are rejected.
  const std::string eleven = std::string(10, '\xff') + "\x01";
  WireReader too_long(eleven);
  EXPECT_FALSE(too_long.ReadVarint(&v));
  const std::string big = std::string(9, '\xff') + "\x02";
  WireReader overflow(big);
  EXPECT_FALSE(overflow.ReadVarint(&v));
  EXPECT_EQ(UnZigZag64(ZigZag64(INT64_MIN)), INT64_MIN);
  EXPECT_EQ(UnZigZag32(ZigZag32(-1)), -1);
}

TEST(QueryParamsTest, SplitsAndDecodes) {
  absl::StatusOr<std::vector<QueryParam>> params =
      ParseQuery("a=1&&b=%41+%2b&c&=x&d=e=f");
  ASSERT_TRUE(params.ok());
  ASSERT_EQ(params->size(), 5u);
  EXPECT_EQ((*params)[1].name, "b");
  EXPECT_EQ((*params)[1].value, "A++");
  EXPECT_EQ((*params)[2].name, "c");
  EXPECT_EQ((*params)[2].value, "");
  EXPECT_EQ((*params)[3].name, "");
  EXPECT_EQ((*params)[4].value, "e=f");
  params = ParseQuery("a=b+c", PlusMode::kSpace);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ((*params)[0].value, "b c");
  EXPECT_FALSE(ParseQuery("a=%4").ok());
  EXPECT_FALSE(ParseQuery("a=%g0").ok());
}

}  // namespace
}  // namespace protogate::transcoding
