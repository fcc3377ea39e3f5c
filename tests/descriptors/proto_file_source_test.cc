#include "gateway/descriptors/proto_file_source.h"

#include <filesystem>
#include <fstream>

#include "gateway/descriptors/descriptor_set_source.h"
#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "gtest/gtest.h"

namespace protogate::descriptors {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A fresh directory under the test's temp dir.
std::string MakeDir(const std::string& name) {
  std::string dir =
      std::filesystem::path(::testing::TempDir() + "/proto_src_" + name)
          .lexically_normal();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(
      std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

constexpr char kShop[] = R"(syntax = "proto3";
package shop.v1;
import "google/api/annotations.proto";
import "google/protobuf/timestamp.proto";
import "shop/v1/item.proto";

// The shop.
service Shop {
  rpc GetItem(GetItemRequest) returns (Item) {
    option (google.api.http) = {get: "/v1/items/{id}"};
  }
}
message GetItemRequest {
  string id = 1;
  google.protobuf.Timestamp as_of = 2;
}
)";

constexpr char kItem[] = R"(syntax = "proto3";
package shop.v1;
message Item { string id = 1; string display_name = 2; }
)";

TEST(ProtoFileSourceTest, CompilesWithImportsAndBuiltinGoogleProtos) {
  std::string dir = MakeDir("ok");
  WriteFile(dir + "/shop/v1/shop.proto", kShop);
  WriteFile(dir + "/shop/v1/item.proto", kItem);
  auto compiled = CompileProtoFiles({"shop/v1/shop.proto"}, {dir});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_THAT(compiled->roots, ElementsAre("shop/v1/shop.proto"));
  EXPECT_THAT(compiled->disk_files, ElementsAre(dir + "/shop/v1/item.proto",
                                                dir + "/shop/v1/shop.proto"));
  // Imports come first; the last file is the requested one, with comments
  // and json names.
  const auto& files = compiled->files.file();
  ASSERT_GE(files.size(), 5);
  EXPECT_EQ(files[files.size() - 1].name(), "shop/v1/shop.proto");
  EXPECT_TRUE(files[files.size() - 1].has_source_code_info());

  auto pool = BuildPool({compiled->files});
  ASSERT_TRUE(pool.ok()) << pool.status();
  const auto* method = (*pool)->FindMethodByName("shop.v1.Shop.GetItem");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->output_type()->FindFieldByName("display_name")->json_name(),
            "displayName");
  EXPECT_EQ(method->options().GetExtension(google::api::http).get(),
            "/v1/items/{id}");
  EXPECT_NE((*pool)->FindFileByName("google/api/http.proto"), nullptr);
}

TEST(ProtoFileSourceTest, ADiskPathUnderAnImportPathIsMappedToItsName) {
  std::string dir = MakeDir("disk");
  WriteFile(dir + "/shop/v1/shop.proto", kShop);
  WriteFile(dir + "/shop/v1/item.proto", kItem);
  auto compiled = CompileProtoFiles({dir + "/shop/v1/shop.proto"}, {dir});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  EXPECT_THAT(compiled->roots, ElementsAre("shop/v1/shop.proto"));
}

TEST(ProtoFileSourceTest, SyntaxErrorNamesFileLineAndColumn) {
  std::string dir = MakeDir("syntax");
  WriteFile(dir + "/bad.proto",
            "syntax = \"proto3\";\nmessage A {\n  string x = ;\n}\n");
  auto compiled = CompileProtoFiles({"bad.proto"}, {dir});
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("bad.proto:3:14: Expected field number."));
}

TEST(ProtoFileSourceTest, UnknownTypeNamesFileLineAndColumn) {
  std::string dir = MakeDir("type");
  WriteFile(dir + "/bad.proto",
            "syntax = \"proto3\";\nmessage A {\n  Nope x = 1;\n}\n");
  auto compiled = CompileProtoFiles({"bad.proto"}, {dir});
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("bad.proto:3:3: \"Nope\" is not defined."));
}

TEST(ProtoFileSourceTest, MissingImportIsNamed) {
  std::string dir = MakeDir("import");
  WriteFile(dir + "/a.proto",
            "syntax = \"proto3\";\nimport \"missing/b.proto\";\n");
  auto compiled = CompileProtoFiles({"a.proto"}, {dir});
  ASSERT_FALSE(compiled.ok());
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("a.proto:2:1: Import \"missing/b.proto\" was not "
                        "found or had errors."));
}

TEST(ProtoFileSourceTest, MissingRequestedFileIsNotFound) {
  std::string dir = MakeDir("missing");
  auto compiled = CompileProtoFiles({"nope.proto"}, {dir});
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(compiled.status().message()),
              HasSubstr("proto file \"nope.proto\": not found in the import "
                        "paths (" +
                        dir + ")"));
}

TEST(ProtoFileSourceTest, AnImportPathShadowsTheBuiltinCopy) {
  std::string dir = MakeDir("shadow");
  WriteFile(dir + "/google/api/annotations.proto",
            "syntax = \"proto3\";\npackage google.api;\n"
            "message Shadowed {}\n");
  WriteFile(dir + "/a.proto",
            "syntax = \"proto3\";\nimport \"google/api/annotations.proto\";\n"
            "message A { google.api.Shadowed s = 1; }\n");
  auto compiled = CompileProtoFiles({"a.proto"}, {dir});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  auto pool = BuildPool({compiled->files});
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_NE((*pool)->FindMessageTypeByName("google.api.Shadowed"), nullptr);
}

TEST(ProtoFileSourceTest, CompilesTheRepositoryDemoProtos) {
  // Tests run from the source root: proto/ holds the demo and google.api.
  auto compiled = CompileProtoFiles(
      {"demo/bookstore.proto", "demo/storefront.proto"}, {"proto"});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  auto pool = BuildPool({compiled->files});
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_NE((*pool)->FindServiceByName("demo.storefront.v1.Storefront"),
            nullptr);
}

}  // namespace
}  // namespace protogate::descriptors
