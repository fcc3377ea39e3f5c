// Tests of the canonical form and decoding shared by templates and matcher.
#include "gateway/routing/percent_encoding.h"

#include <string>

#include "gtest/gtest.h"

namespace protogate::routing {
namespace {

std::string Canonical(std::string_view text) {
  std::string out;
  AppendCanonical(text, &out);
  return out;
}

std::string Decoded(std::string_view text, SlashEscapes slashes) {
  std::string out;
  AppendDecoded(text, slashes, &out);
  return out;
}

TEST(PercentEncodingTest, CanonicalFormDecodesOnlyUnreserved) {
  const struct {
    const char* in;
    const char* out;
  } kCases[] = {
      {"shelves", "shelves"},
      {"shel%76es", "shelves"},
      {"%41%7e%2D%2e%5F", "A~-._"},
      {"a%2fb", "a%2Fb"},
      {"%40", "%40"},
      {"@", "@"},
      {"caf\xC3\xA9", "caf%C3%A9"},
      {"a\"b", "a%22b"},
      {"%3a", "%3A"},
      {"", ""},
  };
  for (const auto& c : kCases) EXPECT_EQ(Canonical(c.in), c.out) << c.in;
}

TEST(PercentEncodingTest, FindsMalformedEscapes) {
  EXPECT_EQ(FindMalformedEscape("abc"), std::string_view::npos);
  EXPECT_EQ(FindMalformedEscape("a%41"), std::string_view::npos);
  EXPECT_EQ(FindMalformedEscape("a%4"), 1u);
  EXPECT_EQ(FindMalformedEscape("a%"), 1u);
  EXPECT_EQ(FindMalformedEscape("%41%g1"), 3u);
  EXPECT_EQ(FindMalformedEscape("%%41"), 0u);
}

TEST(PercentEncodingTest, DecodesOnceKeepingSlashesWhenAsked) {
  EXPECT_EQ(Decoded("a%2Fb%2fc%20", SlashEscapes::kDecode), "a/b/c ");
  EXPECT_EQ(Decoded("a%2Fb%2fc%20", SlashEscapes::kKeepEncoded), "a%2Fb%2fc ");
  EXPECT_EQ(Decoded("%2541", SlashEscapes::kDecode), "%41");
}

}  // namespace
}  // namespace protogate::routing
