#include "gateway/config/yaml_scalar.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

constexpr std::string_view kPlain = "?";
constexpr std::string_view kQuoted = "!";

struct ScalarCase {
  std::string_view tag;
  std::string_view value;
  std::string_view json;
};

class ScalarToJsonTest : public testing::TestWithParam<ScalarCase> {};

TEST_P(ScalarToJsonTest, ResolvesByTheCoreSchema) {
  const ScalarCase& c = GetParam();
  absl::StatusOr<std::string> json = ScalarToJson(c.tag, c.value);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(*json, c.json) << "tag " << c.tag << " value " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScalarToJsonTest,
    testing::Values(
        // Null.
        ScalarCase{kPlain, "", "null"}, ScalarCase{kPlain, "~", "null"},
        ScalarCase{kPlain, "null", "null"}, ScalarCase{kPlain, "Null", "null"},
        ScalarCase{kPlain, "NULL", "null"},
        ScalarCase{kPlain, "nULL", "\"nULL\""},
        // Booleans; YAML 1.1 forms are strings.
        ScalarCase{kPlain, "true", "true"}, ScalarCase{kPlain, "True", "true"},
        ScalarCase{kPlain, "TRUE", "true"},
        ScalarCase{kPlain, "false", "false"},
        ScalarCase{kPlain, "FALSE", "false"},
        ScalarCase{kPlain, "yes", "\"yes\""},
        ScalarCase{kPlain, "off", "\"off\""},
        // Integers.
        ScalarCase{kPlain, "0", "0"}, ScalarCase{kPlain, "42", "42"},
        ScalarCase{kPlain, "+42", "42"}, ScalarCase{kPlain, "-42", "-42"},
        ScalarCase{kPlain, "007", "7"}, ScalarCase{kPlain, "-0", "0"},
        ScalarCase{kPlain, "0o17", "15"}, ScalarCase{kPlain, "0x1F", "31"},
        ScalarCase{kPlain, "0xffffffffffffffff", "18446744073709551615"},
        ScalarCase{kPlain, "99999999999999999999", "99999999999999999999"},
        ScalarCase{kPlain, "0b101", "\"0b101\""},
        ScalarCase{kPlain, "0o8", "\"0o8\""},
        ScalarCase{kPlain, "1_000", "\"1_000\""},
        // Floats.
        ScalarCase{kPlain, "1.5", "1.5"}, ScalarCase{kPlain, "+1.5", "1.5"},
        ScalarCase{kPlain, ".5", "0.5"}, ScalarCase{kPlain, "-.5", "-0.5"},
        ScalarCase{kPlain, "1.", "1"}, ScalarCase{kPlain, "01.50", "1.50"},
        ScalarCase{kPlain, "1e3", "1e3"},
        ScalarCase{kPlain, "2.5E-3", "2.5E-3"},
        ScalarCase{kPlain, ".inf", "\"Infinity\""},
        ScalarCase{kPlain, "-.Inf", "\"-Infinity\""},
        ScalarCase{kPlain, "+.INF", "\"Infinity\""},
        ScalarCase{kPlain, ".nan", "\"NaN\""},
        ScalarCase{kPlain, ".NaN", "\"NaN\""},
        ScalarCase{kPlain, "1e", "\"1e\""}, ScalarCase{kPlain, ".", "\".\""},
        ScalarCase{kPlain, "1.2.3", "\"1.2.3\""},
        // Strings.
        ScalarCase{kPlain, "127.0.0.1:50051", "\"127.0.0.1:50051\""},
        ScalarCase{kPlain, "15s", "\"15s\""},
        ScalarCase{kPlain, "a \"q\" \\ b", "\"a \\\"q\\\" \\\\ b\""},
        ScalarCase{kPlain, "tab\there\n", "\"tab\\there\\n\""},
        ScalarCase{kPlain, std::string_view("\x01", 1), "\"\\u0001\""},
        ScalarCase{kPlain, "h\xC3\xA9", "\"h\xC3\xA9\""},
        // Quoted scalars are strings.
        ScalarCase{kQuoted, "42", "\"42\""},
        ScalarCase{kQuoted, "true", "\"true\""},
        ScalarCase{kQuoted, "", "\"\""},
        // Explicit core tags.
        ScalarCase{"tag:yaml.org,2002:str", "42", "\"42\""},
        ScalarCase{"tag:yaml.org,2002:int", "0x10", "16"},
        ScalarCase{"tag:yaml.org,2002:float", "3", "3"},
        ScalarCase{"tag:yaml.org,2002:float", ".inf", "\"Infinity\""},
        ScalarCase{"tag:yaml.org,2002:bool", "True", "true"},
        ScalarCase{"tag:yaml.org,2002:null", "~", "null"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct ErrorCase {
  std::string_view tag;
  std::string_view value;
  std::string_view message;
};

class ScalarToJsonErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ScalarToJsonErrorTest, NamesTheProblem) {
  const ErrorCase& c = GetParam();
  absl::StatusOr<std::string> json = ScalarToJson(c.tag, c.value);
  ASSERT_FALSE(json.ok()) << *json;
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(json.status().message()), c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ScalarToJsonErrorTest,
    testing::Values(ErrorCase{kPlain, "0x10000000000000000",
                              "integer 0x10000000000000000 is out of range"},
                    ErrorCase{"tag:yaml.org,2002:int", "1.5",
                              "\"1.5\" is not a valid !!int"},
                    ErrorCase{"tag:yaml.org,2002:bool", "yes",
                              "\"yes\" is not a valid !!bool"},
                    ErrorCase{"tag:yaml.org,2002:null", "0",
                              "\"0\" is not a valid !!null"},
                    ErrorCase{"tag:yaml.org,2002:binary",
                              "AA==", "unsupported tag \"!!binary\""},
                    ErrorCase{"!local", "x", "unsupported tag \"!local\""}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

}  // namespace
}  // namespace protogate::config
