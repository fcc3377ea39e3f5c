// Command-line parsing of demo_storefront.
#include "tools/demo/storefront_flags.h"

#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::demo {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

absl::StatusOr<StorefrontFlags> Parse(std::vector<std::string_view> args) {
  return ParseStorefrontFlags(args);
}

TEST(StorefrontFlagsTest, DefaultsWithoutArguments) {
  auto flags = Parse({});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->listen, "127.0.0.1:50052");
  EXPECT_TRUE(flags->delays.empty());
  EXPECT_TRUE(flags->failures.empty());
  EXPECT_FALSE(flags->help);
}

TEST(StorefrontFlagsTest, ParsesRepeatedDelaysAndFailures) {
  auto flags = Parse({"--listen", "0.0.0.0:0", "--delay_ms", "reviews=200",
                      "--delay_ms=pricing=5", "--fail", "inventory",
                      "--fail=catalog=13"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->listen, "0.0.0.0:0");
  EXPECT_THAT(
      flags->delays,
      ElementsAre(Pair(StorefrontBackend::kReviews, absl::Milliseconds(200)),
                  Pair(StorefrontBackend::kPricing, absl::Milliseconds(5))));
  EXPECT_THAT(
      flags->failures,
      ElementsAre(
          Pair(StorefrontBackend::kInventory, grpc::StatusCode::UNAVAILABLE),
          Pair(StorefrontBackend::kCatalog, grpc::StatusCode::INTERNAL)));
}

TEST(StorefrontFlagsTest, HelpIsRecognised) {
  auto flags = Parse({"--help"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->help);
}

TEST(StorefrontFlagsTest, RejectsBadValuesNamingThem) {
  struct Case {
    std::vector<std::string_view> args;
    const char* error;
  };
  const Case cases[] = {
      {{"--delay_ms", "reviews"}, "--delay_ms \"reviews\": want SERVICE=N"},
      {{"--delay_ms", "shipping=5"}, "unknown service"},
      {{"--delay_ms", "reviews=-1"}, "N must be 0..10000"},
      {{"--delay_ms", "reviews=x"}, "N must be 0..10000"},
      {{"--fail", "pricing=0"}, "--fail \"pricing=0\": CODE must be 1..16"},
      {{"--fail", "shipping"}, "unknown service"},
      {{"--fail"}, "--fail: missing value"},
      {{"--bogus"}, "unexpected argument \"--bogus\""},
  };
  for (const Case& c : cases) {
    auto flags = Parse(c.args);
    EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument)
        << c.args[0];
    EXPECT_THAT(std::string(flags.status().message()), HasSubstr(c.error))
        << c.args[0];
  }
}

TEST(StorefrontFlagsTest, BackendNamesRoundTrip) {
  for (auto backend :
       {StorefrontBackend::kCatalog, StorefrontBackend::kPricing,
        StorefrontBackend::kInventory, StorefrontBackend::kReviews}) {
    EXPECT_EQ(ParseBackendName(BackendName(backend)), backend);
  }
  EXPECT_EQ(ParseBackendName("Reviews"), std::nullopt);
}

}  // namespace
}  // namespace protogate::demo
