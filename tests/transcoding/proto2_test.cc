// proto2: explicit presence and extensions ("[pkg.ext]" keys).
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using test2::P2;
using testing::FromText;
using testing::Parse;
using testing::ParseError;
using testing::Print;
using testing::Same;

TEST(Proto2Test, PresenceIsKeptForDefaultValues) {
  absl::StatusOr<P2> got = Parse<P2>(R"({"a": 0, "r": "", "d": 5})");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->has_a());
  EXPECT_TRUE(got->has_r());
  EXPECT_TRUE(got->has_d());
  EXPECT_EQ(*Print(*got), R"({"a":0,"r":"","d":5})");
}

TEST(Proto2Test, ExtensionsRoundTrip) {
  const P2 m = FromText<P2>(R"(
      r: "x" packed: [1, 2] plain: [3] child { a: 1 r: "c" }
      [protogate.transcoding.test2.ext_int]: 7
      [protogate.transcoding.test2.ext_msg] { a: 2 r: "" }
      [protogate.transcoding.test2.ext_list]: ["p", "q"])");
  absl::StatusOr<std::string> ours = Print(m);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_TRUE(
      absl::StrContains(*ours, R"("[protogate.transcoding.test2.ext_int]":7)"))
      << *ours;
  // libprotobuf 3.21 does not print extensions; the expected form is fixed.
  EXPECT_EQ(*ours,
            R"({"r":"x","packed":[1,2],"plain":[3],"child":{"a":1,"r":"c"},)"
            R"("[protogate.transcoding.test2.ext_int]":7,)"
            R"("[protogate.transcoding.test2.ext_msg]":{"a":2,"r":""},)"
            R"("[protogate.transcoding.test2.ext_list]":["p","q"]})");
  absl::StatusOr<P2> parsed = Parse<P2>(*ours);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(Same(*parsed, m)) << parsed->ShortDebugString();
}

TEST(Proto2Test, ExtensionErrorsNameTheExtension) {
  absl::Status s =
      ParseError<P2>(R"({"[protogate.transcoding.test2.ext_int]": "x"})");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(
      s.message(), R"(field "[protogate.transcoding.test2.ext_int]")"))
      << s;
  s = ParseError<P2>(R"({"[no.such.ext]": 1})");
  EXPECT_TRUE(
      absl::StrContains(s.message(), R"(field "[no.such.ext]": unknown)"))
      << s;
}

}  // namespace
}  // namespace protogate::transcoding
