// Tests of binding selection, query parameters and path encoding.
#include <memory>
#include <string>
#include <vector>

#include "codegen/http_bindings.h"
#include "codegen/ts_client.h"
#include "gateway/routing/route_table.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/codegen/test_protos.h"

namespace protogate::codegen {
namespace {

constexpr char kProto[] = R"(
  syntax = "proto3";
  package t.v1;
  import "google/api/annotations.proto";
  import "google/protobuf/timestamp.proto";
  message Node {
    string label = 1;
    Node next = 2;
  }
  message Filter {
    string text = 1;
    repeated int32 sizes = 2;
    google.protobuf.Timestamp after = 3;
    map<string, string> labels = 4;
    repeated Node nodes = 5;
    Node node = 6;
  }
  message Req {
    string name = 1;
    Filter filter = 2;
    Node body = 3;
    int64 id = 4;
  }
  message Res { string name = 1; }
  service Svc {
    rpc Get(Req) returns (Res) {
      option (google.api.http) = {
        get: "/v1/{name=shelves/*/books/*}:publish"
        additional_bindings { post: "/v1/all/{name=**}" body: "body" }
        additional_bindings { custom { kind: "*" path: "/v1/any/{name}" } }
        additional_bindings { get: "/v1/$dollar/{filter.text}" }
      };
    }
    rpc Whole(Req) returns (Res) {
      option (google.api.http) = { put: "/v1/whole/{id}" body: "*" };
    }
    rpc Plain(Req) returns (Res);
    rpc Wild(Req) returns (Res) {
      option (google.api.http) = { get: "/v1/*/wild" };
    }
  }
)";

class BindingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status s = pool_.AddText(kProto);
    ASSERT_TRUE(s.ok()) << s;
    auto table = routing::RouteTable::Build(pool_.Services("test.proto"));
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
    bindings_ = DescribedBindings(*table_);
  }

  std::vector<std::string> Described() const {
    std::vector<std::string> out;
    for (const Binding& b : bindings_) {
      out.push_back(absl::StrCat(b.route->method->name(), "#", b.index, " ",
                                 b.route->http_method, " ",
                                 b.route->path.text()));
    }
    return out;
  }

  const routing::Route& RouteOf(const std::string& method, int index) const {
    for (const Binding& b : bindings_) {
      if (b.route->method->name() == method && b.index == index) {
        return *b.route;
      }
    }
    ADD_FAILURE() << method << "#" << index << " not described";
    return *bindings_.front().route;
  }

  static std::vector<std::string> QueryNames(const routing::Route& route) {
    std::vector<std::string> names;
    for (const QueryParameter& q : QueryParameters(route)) {
      names.push_back(q.name);
    }
    return names;
  }

  testing::TestPool pool_;
  std::unique_ptr<routing::RouteTable> table_;
  std::vector<Binding> bindings_;
};

TEST_F(BindingsTest, DescribesAnnotatedBindingsAndGrpcPathOfPlainMethods) {
  EXPECT_THAT(
      Described(),
      ::testing::ElementsAre(
          "Get#0 GET /v1/{name=shelves/*/books/*}:publish",
          "Get#1 POST /v1/all/{name=**}", "Get#3 GET /v1/$dollar/{filter.text}",
          "Whole#0 PUT /v1/whole/{id}", "Plain#0 POST /t.v1.Svc/Plain",
          "Wild#0 POST /t.v1.Svc/Wild"));
}

TEST_F(BindingsTest, QueryFlattensNestedScalarsAndSkipsPathFields) {
  EXPECT_THAT(QueryNames(RouteOf("Get", 0)),
              ::testing::ElementsAre("filter.text", "filter.sizes",
                                     "filter.after", "filter.labels",
                                     "filter.node.label", "body.label", "id"));
  EXPECT_THAT(QueryNames(RouteOf("Get", 3)),
              ::testing::ElementsAre("name", "filter.sizes", "filter.after",
                                     "filter.labels", "filter.node.label",
                                     "body.label", "id"));
}

TEST_F(BindingsTest, QueryLeavesOutTheBodyField) {
  EXPECT_THAT(
      QueryNames(RouteOf("Get", 1)),
      ::testing::ElementsAre("filter.text", "filter.sizes", "filter.after",
                             "filter.labels", "filter.node.label", "id"));
}

TEST_F(BindingsTest, MapsOfScalarsAreQueryParametersByKey) {
  std::vector<QueryParameter> query = QueryParameters(RouteOf("Get", 0));
  int maps = 0;
  for (const QueryParameter& parameter : query) {
    EXPECT_EQ(parameter.map, parameter.name == "filter.labels");
    maps += parameter.map;
  }
  EXPECT_EQ(maps, 1);
  TsImports imports("test", TsLayout::kPerFile);
  auto client =
      TsClientClass(*RouteOf("Get", 0).method->service(), bindings_, imports);
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_THAT(*client, ::testing::HasSubstr("query.addMap(\"filter.labels\", "
                                            "request.filter?.labels);"));
}

TEST_F(BindingsTest, NoQueryForWholeMessageBody) {
  EXPECT_THAT(QueryNames(RouteOf("Whole", 0)), ::testing::IsEmpty());
}

TEST_F(BindingsTest, SingleSegmentVariablesUseEncodeSegment) {
  TsImports imports("test", TsLayout::kPerFile);
  EXPECT_EQ(TsPathExpression(RouteOf("Whole", 0), imports),
            "`/v1/whole/${$pg.encodeSegment(request.id ?? \"0\")}`");
}

TEST_F(BindingsTest, MultiSegmentVariablesUseEncodePathAndKeepVerb) {
  TsImports imports("test", TsLayout::kPerFile);
  EXPECT_EQ(TsPathExpression(RouteOf("Get", 0), imports),
            "`/v1/${$pg.encodePath(request.name ?? \"\")}:publish`");
  EXPECT_EQ(TsPathExpression(RouteOf("Get", 1), imports),
            "`/v1/all/${$pg.encodePath(request.name ?? \"\")}`");
}

TEST_F(BindingsTest, NestedFieldsAndTemplateLiteralEscapes) {
  TsImports imports("test", TsLayout::kPerFile);
  EXPECT_EQ(
      TsPathExpression(RouteOf("Get", 3), imports),
      "`/v1/\\$dollar/${$pg.encodeSegment(request.filter?.text ?? \"\")}`");
}

}  // namespace
}  // namespace protogate::codegen
