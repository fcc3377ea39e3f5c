// Golden-file tests of both generators on proto/demo/bookstore.proto.
// TypeScript is compared byte for byte, OpenAPI as parsed JSON. Run with
// PROTOGATE_UPDATE_GOLDENS=1 to rewrite the goldens instead.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "codegen/openapi_generator.h"
#include "codegen/typescript_generator.h"
#include "gateway/routing/route_table.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/codegen/test_protos.h"

namespace protogate::codegen {
namespace {

const char kGoldenDir[] = "tests/codegen/golden";

bool Updating() {
  const char* update = std::getenv("PROTOGATE_UPDATE_GOLDENS");
  return update != nullptr && std::string(update) == "1";
}

void WriteGolden(const std::string& relative, const std::string& content) {
  const std::filesystem::path path =
      std::filesystem::path(kGoldenDir) / relative;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        pool_.AddDescriptorSet(testing::BinDir() + "/proto/demo.binpb").ok())
        << "build protogate_demo_descriptors first";
    auto table =
        routing::RouteTable::Build(pool_.Services("demo/bookstore.proto"));
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  testing::TestPool pool_;
  std::unique_ptr<routing::RouteTable> table_;
};

TEST_F(GoldenTest, TypeScriptMatchesGoldens) {
  const google::protobuf::FileDescriptor* file =
      pool_.pool().FindFileByName("demo/bookstore.proto");
  ASSERT_NE(file, nullptr);
  auto modules = GenerateTypeScript(*table_, {file}, {});
  ASSERT_TRUE(modules.ok()) << modules.status();
  std::vector<std::string> names;
  for (const GeneratedFile& module : *modules) {
    names.push_back(module.name);
    const std::string golden = "ts/" + module.name;
    if (Updating()) {
      WriteGolden(golden, module.content);
      continue;
    }
    EXPECT_EQ(module.content,
              testing::ReadFile(std::string(kGoldenDir) + "/" + golden))
        << "differs from " << golden
        << "; PROTOGATE_UPDATE_GOLDENS=1 rewrites it";
  }
  EXPECT_EQ(names, (std::vector<std::string>{"demo/bookstore.ts",
                                             "google/api/httpbody.ts",
                                             "protogate_runtime.ts"}));
}

TEST_F(GoldenTest, OpenApiMatchesGoldenSemantically) {
  auto document = GenerateOpenApi(*table_, {.title = "demo.bookstore.v1"});
  ASSERT_TRUE(document.ok()) << document.status();
  if (Updating()) {
    WriteGolden("openapi.json", *document);
    return;
  }
  rapidjson::Document actual;
  rapidjson::Document expected;
  actual.Parse(document->data(), document->size());
  expected.Parse(
      testing::ReadFile(std::string(kGoldenDir) + "/openapi.json").c_str());
  ASSERT_FALSE(actual.HasParseError());
  ASSERT_FALSE(expected.HasParseError()) << "golden openapi.json missing?";
  EXPECT_TRUE(actual == expected)
      << "differs from openapi.json; PROTOGATE_UPDATE_GOLDENS=1 rewrites it";
}

TEST_F(GoldenTest, OpenApiIsDeterministic) {
  auto first = GenerateOpenApi(*table_, {});
  auto second = GenerateOpenApi(*table_, {});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
}

}  // namespace
}  // namespace protogate::codegen
