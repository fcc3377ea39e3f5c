// Composition plans through the real gateway: the demo storefront's plans
// over the real storefront backends (gRPC on 127.0.0.1:0).
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/server/gateway_fixture.h"
#include "tests/server/serve_gateway.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tools/demo/demo_server.h"
#include "tools/demo/storefront_server.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;
namespace {

using ::testing::HasSubstr;

class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bookstore = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(bookstore.ok()) << bookstore.status();
    bookstore_ = *std::move(bookstore);
    auto storefront = demo::StorefrontServer::Start("127.0.0.1:0");
    ASSERT_TRUE(storefront.ok()) << storefront.status();
    storefront_ = *std::move(storefront);
    SnapshotOptions options =
        OptionsFor(testing::BinDir() + "/proto/demo.binpb", "demo.bookstore",
                   bookstore_->address());
    AddBackend(options.config, "demo.storefront", storefront_->address());
    auto snapshot = Snapshot::Build(options);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    gateway_ = std::make_unique<Gateway>(*snapshot, GatewayOptions{});
    auto server = ServeGateway(*gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    gateway_.reset();
    storefront_.reset();
    bookstore_.reset();
  }

  testing::HttpResponse Get(std::string_view target) {
    auto r = testing::Fetch(server_->port(), "GET",
                            absl::string_view(target.data(), target.size()));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : testing::HttpResponse{};
  }

  static rapidjson::Document Json(const testing::HttpResponse& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  std::unique_ptr<demo::DemoServer> bookstore_;
  std::unique_ptr<demo::StorefrontServer> storefront_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(PlanTest, ProductPageMergesFourBackendsWithServerTiming) {
  testing::HttpResponse r = Get("/v1/products/p1/page");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["product"]["id"].GetString(), "p1");
  EXPECT_TRUE(doc.HasMember("price")) << r.body;
  EXPECT_TRUE(doc.HasMember("stock")) << r.body;
  EXPECT_TRUE(doc.HasMember("reviews")) << r.body;
  EXPECT_FALSE(doc.HasMember("errors")) << r.body;
  std::string timing = r.Header("server-timing");
  for (const char* step :
       {"product;dur=", "price;dur=", "stock;dur=", "reviews;dur="}) {
    EXPECT_THAT(timing, HasSubstr(step));
  }
}

TEST_F(PlanTest, OptionalReviewsFailureGivesAPartialPageWithAMarker) {
  storefront_->knobs().SetFailure(demo::StorefrontBackend::kReviews,
                                  grpc::StatusCode::UNAVAILABLE);
  testing::HttpResponse r = Get("/v1/products/p1/page");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["product"]["id"].GetString(), "p1");
  EXPECT_FALSE(doc.HasMember("reviews")) << r.body;
  ASSERT_TRUE(doc.HasMember("errors")) << r.body;
  EXPECT_EQ(doc["errors"][0]["code"].GetInt(), 14);
  EXPECT_THAT(doc["errors"][0]["message"].GetString(), HasSubstr("reviews"));
  EXPECT_EQ(r.Header("x-partial-failures"), "reviews=UNAVAILABLE");
}

TEST_F(PlanTest, RequiredStepFailureFailsTheRequestWithoutLeakingAddresses) {
  storefront_->knobs().SetFailure(demo::StorefrontBackend::kPricing,
                                  grpc::StatusCode::UNAVAILABLE);
  testing::HttpResponse r = Get("/v1/products/p1/page");
  EXPECT_EQ(r.status, 503) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 14);
  EXPECT_STREQ(doc["message"].GetString(),
               "step \"price\": upstream unavailable");
}

TEST_F(PlanTest, UnknownProductIs404FromTheCatalog) {
  testing::HttpResponse r = Get("/v1/products/nope/page");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Json(r)["code"].GetInt(), 5);
}

TEST_F(PlanTest, ListProductPagesJoinsBatchPricesAndStockOntoEachItem) {
  testing::HttpResponse r = Get("/v1/product-pages?pageSize=3");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.IsObject());
  // Whatever the list field is called, every item carries price and stock.
  const rapidjson::Value* list = nullptr;
  for (auto& member : doc.GetObject()) {
    if (member.value.IsArray()) list = &member.value;
  }
  ASSERT_NE(list, nullptr) << r.body;
  ASSERT_EQ(list->Size(), 3u) << r.body;
  for (const auto& item : list->GetArray()) {
    EXPECT_TRUE(item.HasMember("price")) << r.body;
    EXPECT_TRUE(item.HasMember("stock")) << r.body;
  }
}

TEST_F(PlanTest, ExplainServesJsonAndDot) {
  testing::HttpResponse r =
      Get("/-/plans/demo.storefront.v1.Storefront.GetProductPage");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["steps"].Size(), 4u);
  EXPECT_TRUE(doc.HasMember("critical_path"));

  r = Get("/-/plans/demo.storefront.v1.Storefront.GetProductPage?format=dot");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/vnd.graphviz");
  EXPECT_TRUE(absl::StartsWith(r.body, "digraph")) << r.body;

  r = Get("/-/plans/demo.bookstore.v1.Bookstore.GetBook");
  EXPECT_EQ(r.status, 404);
}

}  // namespace
}  // namespace protogate::server
