#include "codegen/plugin_options.h"

#include "gtest/gtest.h"

namespace protogate::codegen {
namespace {

using Targets = PluginOptions::Targets;

TEST(PluginOptionsTest, DefaultsToBothTargetsPerFileJsImports) {
  auto options = ParsePluginOptions("");
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->targets, Targets::kBoth);
  EXPECT_EQ(options->typescript.layout, TsLayout::kPerFile);
  EXPECT_EQ(options->typescript.import_style, TsImportStyle::kJsSuffix);
  EXPECT_EQ(options->openapi_file, "openapi.json");
}

TEST(PluginOptionsTest, ParsesEveryOption) {
  auto options = ParsePluginOptions(
      "target=ts,layout=package,import_style=none,openapi_out=api.json,"
      "openapi_title=Books,openapi_version=2.0");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->targets, Targets::kTypeScript);
  EXPECT_EQ(options->typescript.layout, TsLayout::kPerPackage);
  EXPECT_EQ(options->typescript.import_style, TsImportStyle::kNoSuffix);
  EXPECT_EQ(options->openapi_file, "api.json");
  EXPECT_EQ(options->openapi.title, "Books");
  EXPECT_EQ(options->openapi.version, "2.0");
}

TEST(PluginOptionsTest, RepeatedTargetsAccumulate) {
  EXPECT_EQ(ParsePluginOptions("target=openapi")->targets, Targets::kOpenApi);
  EXPECT_EQ(ParsePluginOptions("target=ts,target=openapi")->targets,
            Targets::kBoth);
  EXPECT_EQ(ParsePluginOptions("target=ts,target=ts")->targets,
            Targets::kTypeScript);
}

TEST(PluginOptionsTest, RejectsUnknownKeysAndValuesNamingThem) {
  auto unknown = ParsePluginOptions("flavour=x");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("\"flavour\""),
            absl::string_view::npos);
  auto bad = ParsePluginOptions("layout=tree");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("\"tree\""), absl::string_view::npos);
}

}  // namespace
}  // namespace protogate::codegen
