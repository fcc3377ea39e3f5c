#include "codegen/ts_types.h"

#include <string>

#include "codegen/ts_declarations.h"
#include "gtest/gtest.h"
#include "tests/codegen/test_protos.h"

namespace protogate::codegen {
namespace {

constexpr char kProto[] = R"(
  syntax = "proto3";
  package t.v1;
  import "google/protobuf/any.proto";
  import "google/protobuf/duration.proto";
  import "google/protobuf/empty.proto";
  import "google/protobuf/field_mask.proto";
  import "google/protobuf/struct.proto";
  import "google/protobuf/timestamp.proto";
  import "google/protobuf/wrappers.proto";
  enum Color {
    COLOR_UNSPECIFIED = 0;
    RED = 1;
  }
  message Inner { string a = 1; }
  message All {
    message Nested { Color c = 1; }
    int32 i32 = 1;
    int64 i64 = 2;
    uint64 u64 = 3;
    sint64 s64 = 4;
    fixed64 f64 = 5;
    sfixed64 sf64 = 6;
    uint32 u32 = 7;
    float f = 8;
    double d = 9;
    bool b = 10;
    string s = 11;
    bytes by = 12;
    Color color = 13;
    Inner inner = 14;
    repeated Inner inners = 15;
    repeated string names = 16;
    map<string, Inner> by_name = 17;
    map<int64, string> by_id = 18;
    google.protobuf.Timestamp ts = 19;
    google.protobuf.Duration du = 20;
    google.protobuf.FieldMask fm = 21;
    google.protobuf.Int64Value w64 = 22;
    google.protobuf.StringValue ws = 23;
    google.protobuf.BoolValue wb = 24;
    google.protobuf.DoubleValue wd = 25;
    google.protobuf.Struct st = 26;
    google.protobuf.Value v = 27;
    google.protobuf.ListValue lv = 28;
    google.protobuf.Any any = 29;
    google.protobuf.Empty empty = 30;
    repeated google.protobuf.Int32Value w32_list = 31;
    string custom = 32 [json_name = "my-key"];
    oneof choice {
      string x = 33;
      int64 y = 34;
    }
    google.protobuf.NullValue nv = 35;
    Nested nested = 36;
    repeated Color colors = 37;
  }
  message Nothing {}
)";

class TsTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status s = pool_.AddText(kProto);
    ASSERT_TRUE(s.ok()) << s;
    all_ = pool_.pool().FindMessageTypeByName("t.v1.All");
    ASSERT_NE(all_, nullptr);
  }

  std::string TypeOf(const std::string& field) {
    TsImports imports("test", TsLayout::kPerFile);
    return TsFieldType(*all_->FindFieldByName(field), imports);
  }

  testing::TestPool pool_;
  const google::protobuf::Descriptor* all_ = nullptr;
};

TEST_F(TsTypesTest, MapsScalarsPerProto3Json) {
  EXPECT_EQ(TypeOf("i32"), "number");
  EXPECT_EQ(TypeOf("u32"), "number");
  EXPECT_EQ(TypeOf("f"), "number");
  EXPECT_EQ(TypeOf("d"), "number");
  EXPECT_EQ(TypeOf("b"), "boolean");
  EXPECT_EQ(TypeOf("s"), "string");
  EXPECT_EQ(TypeOf("by"), "string");
}

TEST_F(TsTypesTest, Maps64BitIntegersToString) {
  for (const char* field : {"i64", "u64", "s64", "f64", "sf64"}) {
    EXPECT_EQ(TypeOf(field), "string") << field;
  }
}

TEST_F(TsTypesTest, MapsMessagesEnumsRepeatedAndMaps) {
  EXPECT_EQ(TypeOf("color"), "Color");
  EXPECT_EQ(TypeOf("inner"), "Inner");
  EXPECT_EQ(TypeOf("inners"), "Inner[]");
  EXPECT_EQ(TypeOf("names"), "string[]");
  EXPECT_EQ(TypeOf("colors"), "Color[]");
  EXPECT_EQ(TypeOf("by_name"), "Record<string, Inner>");
  EXPECT_EQ(TypeOf("by_id"), "Record<string, string>");
  EXPECT_EQ(TypeOf("nested"), "All_Nested");
}

TEST_F(TsTypesTest, MapsWellKnownTypes) {
  EXPECT_EQ(TypeOf("ts"), "string");
  EXPECT_EQ(TypeOf("du"), "string");
  EXPECT_EQ(TypeOf("fm"), "string");
  EXPECT_EQ(TypeOf("w64"), "string | null");
  EXPECT_EQ(TypeOf("ws"), "string | null");
  EXPECT_EQ(TypeOf("wb"), "boolean | null");
  EXPECT_EQ(TypeOf("wd"), "number | null");
  EXPECT_EQ(TypeOf("w32_list"), "Array<number | null>");
  EXPECT_EQ(TypeOf("st"), "{ [key: string]: unknown }");
  EXPECT_EQ(TypeOf("v"), "$pg.JsonValue");
  EXPECT_EQ(TypeOf("lv"), "$pg.JsonValue[]");
  EXPECT_EQ(TypeOf("any"), "{ \"@type\": string; [key: string]: unknown }");
  EXPECT_EQ(TypeOf("empty"), "Record<string, never>");
  EXPECT_EQ(TypeOf("nv"), "null");
}

TEST_F(TsTypesTest, InterfaceUsesJsonNamesAndOptionalFields) {
  TsImports imports("test", TsLayout::kPerFile);
  const std::string text = TsInterfaceDeclaration(*all_, imports);
  EXPECT_NE(text.find("export interface All {\n"), std::string::npos);
  EXPECT_NE(text.find("  \"my-key\"?: string;\n"), std::string::npos);
  EXPECT_NE(text.find("  byName?: Record<string, Inner>;\n"),
            std::string::npos);
  EXPECT_NE(text.find("Member of oneof `choice`"), std::string::npos);
  EXPECT_NE(text.find("  y?: string;\n"), std::string::npos);
  const std::string statements =
      imports.Statements("protogate_runtime", TsImportStyle::kJsSuffix);
  EXPECT_EQ(statements, "import * as $pg from \"./protogate_runtime.js\";\n");
}

TEST_F(TsTypesTest, EmptyMessageIsEmptyRecord) {
  TsImports imports("test", TsLayout::kPerFile);
  EXPECT_EQ(TsInterfaceDeclaration(
                *pool_.pool().FindMessageTypeByName("t.v1.Nothing"), imports),
            "export type Nothing = Record<string, never>;\n");
}

TEST_F(TsTypesTest, EnumIsUnionOfNames) {
  EXPECT_EQ(TsEnumDeclaration(*pool_.pool().FindEnumTypeByName("t.v1.Color")),
            "export type Color =\n  | \"COLOR_UNSPECIFIED\"\n  | \"RED\";\n");
}

TEST_F(TsTypesTest, ReferencesOtherModulesThroughNamespaceImports) {
  TsImports imports("other/mod", TsLayout::kPerFile);
  EXPECT_EQ(TsFieldType(*all_->FindFieldByName("inner"), imports),
            "$test.Inner");
  EXPECT_EQ(imports.Statements("protogate_runtime", TsImportStyle::kNoSuffix),
            "import type * as $test from \"../test\";\n");
}

TEST_F(TsTypesTest, DefaultValuesOfPathFields) {
  EXPECT_EQ(TsDefaultValue(*all_->FindFieldByName("i32")), "0");
  EXPECT_EQ(TsDefaultValue(*all_->FindFieldByName("i64")), "\"0\"");
  EXPECT_EQ(TsDefaultValue(*all_->FindFieldByName("s")), "\"\"");
  EXPECT_EQ(TsDefaultValue(*all_->FindFieldByName("b")), "false");
  EXPECT_EQ(TsDefaultValue(*all_->FindFieldByName("color")),
            "\"COLOR_UNSPECIFIED\"");
}

TEST(TsNamingTest, ModulePaths) {
  testing::TestPool pool;
  ASSERT_TRUE(pool.AddText("syntax = \"proto3\"; package a.b.v1;").ok());
  const auto* file = pool.pool().FindFileByName("test.proto");
  EXPECT_EQ(TsModulePath(*file, TsLayout::kPerFile), "test");
  EXPECT_EQ(TsModulePath(*file, TsLayout::kPerPackage), "a/b/v1");
}

TEST(TsNamingTest, RenamesTypesThatWouldShadowUsedGlobals) {
  testing::TestPool pool;
  ASSERT_TRUE(pool.AddText("syntax = \"proto3\"; package p;"
                           "message Record { message Array {} }"
                           "enum Promise { P = 0; }")
                  .ok());
  EXPECT_EQ(TsLocalName(*pool.pool().FindMessageTypeByName("p.Record")),
            "Record_");
  EXPECT_EQ(TsLocalName(*pool.pool().FindMessageTypeByName("p.Record.Array")),
            "Record_Array");
  EXPECT_EQ(TsLocalName(*pool.pool().FindEnumTypeByName("p.Promise")),
            "Promise_");
}

TEST(TsNamingTest, ImportPaths) {
  EXPECT_EQ(TsImportPath("demo/bookstore", "protogate_runtime",
                         TsImportStyle::kJsSuffix),
            "../protogate_runtime.js");
  EXPECT_EQ(TsImportPath("a/b/c", "a/d", TsImportStyle::kNoSuffix), "../d");
  EXPECT_EQ(TsImportPath("a/b", "a/c", TsImportStyle::kJsSuffix), "./c.js");
  EXPECT_EQ(TsImportPath("x", "a/b", TsImportStyle::kNoSuffix), "./a/b");
}

TEST(TsNamingTest, LowerCamelAndPropertyKeys) {
  EXPECT_EQ(LowerCamel("GetBook"), "getBook");
  EXPECT_EQ(LowerCamel("get_book_v2"), "getBookV2");
  EXPECT_EQ(TsPropertyKey("shelfId"), "shelfId");
  EXPECT_EQ(TsPropertyKey("my-key"), "\"my-key\"");
  EXPECT_EQ(TsPropertyKey("1x"), "\"1x\"");
  EXPECT_EQ(TsString("a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
}

}  // namespace
}  // namespace protogate::codegen
