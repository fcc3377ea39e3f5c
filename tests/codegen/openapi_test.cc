#include <memory>
#include <string>

#include "codegen/openapi_generator.h"
#include "gateway/routing/route_table.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/pointer.h"
#include "tests/codegen/test_protos.h"

namespace protogate::codegen {
namespace {

constexpr char kProto[] = R"(
  syntax = "proto3";
  package t.v1;
  import "google/api/annotations.proto";
  import "google/protobuf/wrappers.proto";
  // A thing.
  message Thing {
    // Its name.
    string name = 1;
    google.protobuf.Int64Value count = 2;
    Part part = 3;
  }
  message Part { int64 id = 1; uint64 size = 2; }
  message Req {
    string name = 1;
    Thing thing = 2;
  }
  // Things.
  service Things {
    // Gets a thing.
    rpc Get(Req) returns (Thing) {
      option (google.api.http) = {
        get: "/v1/{name=things/*}"
        additional_bindings { get: "/v1/{name=things/*}:peek" response_body: "part" }
      };
    }
    rpc Update(Req) returns (Thing) {
      option (google.api.http) = {
        patch: "/v1/{thing.part.id}"
        body: "thing"
      };
    }
    rpc Watch(Req) returns (stream Thing) {
      option (google.api.http) = { get: "/v1/watch" };
    }
  }
)";

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status s = pool_.AddText(kProto);
    ASSERT_TRUE(s.ok()) << s;
    auto table = routing::RouteTable::Build(pool_.Services("test.proto"));
    ASSERT_TRUE(table.ok()) << table.status();
    auto json = GenerateOpenApi(**table, {.title = "T", .version = "3"});
    ASSERT_TRUE(json.ok()) << json.status();
    doc_.Parse(json->data(), json->size());
    ASSERT_FALSE(doc_.HasParseError());
  }

  const rapidjson::Value* At(const char* pointer) {
    return rapidjson::Pointer(pointer).Get(doc_);
  }

  std::string StringAt(const char* pointer) {
    const rapidjson::Value* v = At(pointer);
    return v != nullptr && v->IsString() ? v->GetString() : "<missing>";
  }

  testing::TestPool pool_;
  rapidjson::Document doc_;
};

TEST_F(OpenApiTest, DocumentHeader) {
  EXPECT_EQ(StringAt("/openapi"), "3.1.0");
  EXPECT_EQ(StringAt("/info/title"), "T");
  EXPECT_EQ(StringAt("/info/version"), "3");
  EXPECT_EQ(StringAt("/tags/0/name"), "Things");
  EXPECT_EQ(StringAt("/tags/0/description"), "Things.");
}

TEST_F(OpenApiTest, PathVariablesBecomeNamedParametersWithPattern) {
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/operationId"), "Things_Get");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/description"), "Gets a thing.");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/0/in"), "path");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/0/description"),
            "Pattern: `things/*`; the value may contain '/', which separates "
            "segments and is not percent-encoded.");
}

TEST_F(OpenApiTest, AdditionalBindingsKeepVerbAndGetIndexedIds) {
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}:peek/get/operationId"),
            "Things_Get_1");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}:peek/get/responses/200/content/"
                     "application~1json/schema/$ref"),
            "#/components/schemas/t.v1.Part");
}

TEST_F(OpenApiTest, QueryParametersAreDottedWithTypes) {
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/1/name"),
            "thing.name");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/1/description"),
            "Its name.");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/3/name"),
            "thing.part.id");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/3/schema/type"),
            "string");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/3/schema/format"),
            "int64");
  EXPECT_EQ(StringAt("/paths/~1v1~1{name}/get/parameters/4/schema/format"),
            "uint64");
}

TEST_F(OpenApiTest, BodyFieldLeavesOutNestedPathFields) {
  const char* props =
      "/paths/~1v1~1{thing.part.id}/patch/requestBody/content/"
      "application~1json/schema/properties";
  EXPECT_NE(At((std::string(props) + "/name").c_str()), nullptr);
  EXPECT_NE(At((std::string(props) + "/part/properties/size").c_str()),
            nullptr);
  EXPECT_EQ(At((std::string(props) + "/part/properties/id").c_str()), nullptr);
}

TEST_F(OpenApiTest, ServerStreamsAsArrayOrNdjson) {
  EXPECT_EQ(StringAt("/paths/~1v1~1watch/get/responses/200/content/"
                     "application~1json/schema/type"),
            "array");
  EXPECT_EQ(StringAt("/paths/~1v1~1watch/get/responses/200/content/"
                     "application~1x-ndjson/schema/$ref"),
            "#/components/schemas/t.v1.Thing");
}

TEST_F(OpenApiTest, ErrorsAreGoogleRpcStatus) {
  EXPECT_EQ(StringAt("/paths/~1v1~1watch/get/responses/default/content/"
                     "application~1json/schema/$ref"),
            "#/components/schemas/google.rpc.Status");
  EXPECT_EQ(StringAt("/components/schemas/google.rpc.Status/properties/code/"
                     "type"),
            "integer");
}

TEST_F(OpenApiTest, ComponentsCarryCommentsAndWrappersAreNullable) {
  EXPECT_EQ(StringAt("/components/schemas/t.v1.Thing/description"), "A thing.");
  const rapidjson::Value* type =
      At("/components/schemas/t.v1.Thing/properties/count/type");
  ASSERT_NE(type, nullptr);
  ASSERT_TRUE(type->IsArray());
  EXPECT_STREQ((*type)[0].GetString(), "string");
  EXPECT_STREQ((*type)[1].GetString(), "null");
}

}  // namespace
}  // namespace protogate::codegen
