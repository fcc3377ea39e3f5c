#include "gateway/config/yaml_to_json.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

struct ConversionCase {
  std::string_view yaml;
  std::string_view json;
};

class YamlToJsonTest : public testing::TestWithParam<ConversionCase> {};

TEST_P(YamlToJsonTest, Converts) {
  absl::StatusOr<JsonDocument> doc = YamlToJson(GetParam().yaml);
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->json, GetParam().json) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Table, YamlToJsonTest,
    testing::Values(
        ConversionCase{"", "null"}, ConversionCase{"# comment only\n", "null"},
        ConversionCase{"a: 1", R"({"a":1})"},
        ConversionCase{"a:", R"({"a":null})"},
        ConversionCase{"a: b\nc: [1, x, true, ~]",
                       R"({"a":"b","c":[1,"x",true,null]})"},
        ConversionCase{"a:\n  - b: 1\n    c: '2'\n  - []\n",
                       R"({"a":[{"b":1,"c":"2"},[]]})"},
        ConversionCase{"{\"a\": {\"b\": [1.5, \"x\"]}}",
                       R"({"a":{"b":[1.5,"x"]}})"},
        ConversionCase{"1: one\ntrue: t", R"({"1":"one","true":"t"})"},
        ConversionCase{"a: |\n  line1\n  line2\n", R"({"a":"line1\nline2\n"})"},
        ConversionCase{"a: >-\n  folded\n  text\n", R"({"a":"folded text"})"},
        ConversionCase{"a: \"esc \\t \\u00e9\"",
                       "{\"a\":\"esc \\t \xC3\xA9\"}"},
        ConversionCase{"base: &b {x: 1}\nuse: *b\n",
                       R"({"base":{"x":1},"use":{"x":1}})"},
        ConversionCase{"a: &s hello\nb: [*s, *s]",
                       R"({"a":"hello","b":["hello","hello"]})"},
        ConversionCase{"a: !!str 15\nb: !!int \"0x10\"\nc: !!map {}",
                       R"({"a":"15","b":16,"c":{}})"},
        ConversionCase{"- a\n- b", R"(["a","b"])"},
        ConversionCase{"just text", R"("just text")"},
        ConversionCase{"---\na: 1\n...\n", R"({"a":1})"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

struct ErrorCase {
  std::string_view yaml;
  std::string_view message;
};

class YamlToJsonErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(YamlToJsonErrorTest, NamesLineColumnAndProblem) {
  absl::StatusOr<JsonDocument> doc = YamlToJson(GetParam().yaml);
  ASSERT_FALSE(doc.ok()) << doc->json;
  EXPECT_EQ(doc.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(doc.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, YamlToJsonErrorTest,
    testing::Values(
        ErrorCase{"a: 1\na: 2\n", "2:1: duplicate key \"a\""},
        ErrorCase{"{a: 1, b: {c: 1, c: 2}}", "1:18: duplicate key \"c\""},
        ErrorCase{"1: x\n\"1\": y\n", "2:1: duplicate key \"1\""},
        ErrorCase{"a: 1\n---\nb: 2\n",
                  "2:1: a second YAML document; a config file holds one"},
        ErrorCase{"? [a, b]\n: 1\n", "1:3: mapping keys must be scalars"},
        ErrorCase{"? {a: 1}\n: 1\n", "1:3: mapping keys must be scalars"},
        ErrorCase{": 1\n", "1:1: empty or null mapping key"},
        ErrorCase{"a: &x [1, *x]\n",
                  "1:11: alias refers to a node that contains it"},
        ErrorCase{"a: *nope\n", "1:4: the referenced anchor is not defined"},
        ErrorCase{"b: &b {x: 1}\nc:\n  <<: *b\n",
                  "3:3: merge keys (<<) are not supported"},
        ErrorCase{"a: [1, 2\n", "2:1: end of sequence flow not found"},
        ErrorCase{"a: {b: 1\n", "2:1: end of map flow not found"},
        ErrorCase{"a: 'x' y\n", "1:8: end of map not found"},
        ErrorCase{"a: @x\n", "1:4: unknown token"},
        ErrorCase{"- a\nb: 1\n",
                  "2:1: a second YAML document; a config file holds one"},
        ErrorCase{"a: b: c\n", "1:5: illegal map value"},
        ErrorCase{"a: !foo 1", "1:4: unsupported tag \"!foo\""},
        ErrorCase{"a: !!seq {}",
                  "1:4: unsupported tag \"tag:yaml.org,2002:seq\""},
        ErrorCase{"a: 0x1ffffffffffffffff",
                  "1:4: integer 0x1ffffffffffffffff is out of range"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(YamlToJsonLimitsTest, RejectsDeepNesting) {
  std::string yaml(70, '[');
  yaml.append(70, ']');
  absl::StatusOr<JsonDocument> doc = YamlToJson(yaml);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(std::string(doc.status().message()),
            "1:65: nesting deeper than 64");
}

TEST(YamlToJsonLimitsTest, RejectsAliasExpansionBombs) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev +
            "," + prev + "," + prev + "," + prev + "," + prev + "," + prev +
            "," + prev + "," + prev + "," + prev + "," + prev + "]\n";
  }
  absl::StatusOr<JsonDocument> doc = YamlToJson(yaml);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(std::string(doc.status().message())
                .find("more than 100000 nodes (aliases expanded)"),
            std::string::npos)
      << doc.status();
}

TEST(YamlToJsonLimitsTest, RejectsOutputBeyondMaxJsonBytes) {
  YamlToJsonOptions options;
  options.max_json_bytes = 16;
  absl::StatusOr<JsonDocument> doc =
      YamlToJson("a: 0123456789\nb: 0123456789\n", options);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(std::string(doc.status().message()),
            "2:4: document larger than 16 bytes as JSON (aliases expanded)");
}

TEST(YamlToJsonPositionsTest, MapsTranscoderPathsToKeysAndItems) {
  absl::StatusOr<JsonDocument> doc =
      YamlToJson("a:\n  b: [x, y]\n  labels:\n    k: v\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  struct Expected {
    std::string_view path;
    int line;
    int column;
  };
  for (const Expected& e :
       {Expected{"a", 1, 1}, Expected{"a.b", 2, 3}, Expected{"a.b[1]", 2, 10},
        Expected{"a.labels.k", 4, 5}, Expected{"a.labels[k]", 4, 5}}) {
    const YamlPosition* pos = doc->Find(e.path);
    ASSERT_NE(pos, nullptr) << e.path;
    EXPECT_EQ(pos->line, e.line) << e.path;
    EXPECT_EQ(pos->column, e.column) << e.path;
  }
  EXPECT_EQ(doc->Find("a.c"), nullptr);
}

}  // namespace
}  // namespace protogate::config
