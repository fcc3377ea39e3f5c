// Composition plans through the real gateway: the demo storefront's plans
// over the real storefront backends (gRPC on 127.0.0.1:0).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"
#include "gateway/server/telemetry.h"
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
    snapshot_ = *snapshot;
    // Metrics on (the default), for the coalescing counter.
    auto telemetry = StartTelemetry(config::v1::GatewayConfig(),
                                    [this] { return snapshot_; });
    ASSERT_TRUE(telemetry.ok()) << telemetry.status();
    telemetry_ = *std::move(telemetry);
    gateway_ = std::make_unique<Gateway>(
        snapshot_, GatewayOptions{.metrics = telemetry_->served_registry(),
                                  .observer = telemetry_->observer()});
    auto server = ServeGateway(*gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    gateway_.reset();
    telemetry_.reset();
    storefront_.reset();
    bookstore_.reset();
  }

  testing::HttpResponse Get(std::string_view target,
                            std::vector<std::string> headers = {}) {
    auto r = testing::Fetch(server_->port(), "GET",
                            absl::string_view(target.data(), target.size()), "",
                            std::move(headers));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : testing::HttpResponse{};
  }

  static rapidjson::Document Json(const testing::HttpResponse& r) {
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    EXPECT_FALSE(doc.HasParseError()) << r.body;
    return doc;
  }

  std::unique_ptr<demo::DemoServer> bookstore_;
  int64_t Calls(demo::StorefrontBackend backend) {
    return storefront_->knobs().calls(backend);
  }

  std::unique_ptr<demo::StorefrontServer> storefront_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::unique_ptr<Telemetry> telemetry_;
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
  const rapidjson::Value& root = doc;  // Const iterators: one operator!=.
  for (const auto& member : root.GetObject()) {
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

using demo::StorefrontBackend;

// ?fields= selects two of the page's four parts: the steps that write only
// the others (stock, reviews) are not run, and the answer holds only the
// selected fields.
TEST_F(PlanTest, FieldSelectionSkipsTheStepsOfUnselectedFields) {
  testing::HttpResponse r =
      Get("/v1/products/p1/page?fields=product,price.amount");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_STREQ(doc["product"]["id"].GetString(), "p1");
  EXPECT_STREQ(doc["price"]["amount"]["currencyCode"].GetString(), "EUR");
  EXPECT_FALSE(doc["price"].HasMember("listPrice")) << r.body;
  EXPECT_FALSE(doc.HasMember("stock")) << r.body;
  EXPECT_FALSE(doc.HasMember("reviews")) << r.body;
  EXPECT_FALSE(doc.HasMember("averageRating")) << r.body;
  // The backends saw two calls, not four.
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kInventory), 0);
  EXPECT_EQ(Calls(StorefrontBackend::kReviews), 0);
  EXPECT_THAT(r.Header("server-timing"), ::testing::Not(HasSubstr("stock")));
}

TEST_F(PlanTest, XFieldsHeaderSelectsLikeTheQueryParameter) {
  testing::HttpResponse r =
      Get("/v1/products/p1/page", {"X-Fields: product.name,reviewCount"});
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.HasMember("product")) << r.body;
  EXPECT_TRUE(doc["product"].HasMember("name")) << r.body;
  EXPECT_FALSE(doc["product"].HasMember("id")) << r.body;
  EXPECT_EQ(doc["reviewCount"].GetInt(), 3) << r.body;
  EXPECT_FALSE(doc.HasMember("price")) << r.body;
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kReviews), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 0);
  EXPECT_EQ(Calls(StorefrontBackend::kInventory), 0);
}

// `fields` is taken out of the query: the other parameters still bind
// the plan's request, and the value is percent-decoded.
TEST_F(PlanTest, FieldsParameterIsDecodedAndOtherParametersStillBind) {
  testing::HttpResponse r =
      Get("/v1/product-pages?pageSize=2&fields=products.id%2CnextPageToken");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_EQ(doc["products"].Size(), 2u) << r.body;
  EXPECT_STREQ(doc["products"][1]["id"].GetString(), "p2");
  EXPECT_FALSE(doc["products"][1].HasMember("name")) << r.body;
  EXPECT_FALSE(doc["products"][1].HasMember("price")) << r.body;
  EXPECT_STREQ(doc["nextPageToken"].GetString(), "2");
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 0);
  EXPECT_EQ(Calls(StorefrontBackend::kInventory), 0);
}

TEST_F(PlanTest, BadFieldSelectionIs400NamingThePath) {
  testing::HttpResponse r =
      Get("/v1/products/p1/page?fields=product,price.amout");
  EXPECT_EQ(r.status, 400) << r.body;
  rapidjson::Document doc = Json(r);
  EXPECT_EQ(doc["code"].GetInt(), 3);
  EXPECT_THAT(doc["message"].GetString(), HasSubstr("\"price.amout\""));
  EXPECT_THAT(doc["message"].GetString(),
              HasSubstr("demo.storefront.v1.ProductPage"));
  r = Get("/v1/products/p1/page?fields=product", {"X-Fields: price"});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("X-Fields"));
  r = Get("/v1/products/p1/page?fields=product&fields=price");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("more than once"));
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 0);
}

TEST_F(PlanTest, ExplainShowsWhichStepsASelectionRuns) {
  testing::HttpResponse r =
      Get("/-/plans/demo.storefront.v1.Storefront.GetProductPage"
          "?fields=product,price.amount");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_TRUE(doc.HasMember("selection")) << r.body;
  const auto& selection = doc["selection"];
  ASSERT_EQ(selection["runs"].Size(), 2u) << r.body;
  EXPECT_STREQ(selection["runs"][0].GetString(), "product");
  EXPECT_STREQ(selection["runs"][1].GetString(), "price");
  ASSERT_EQ(selection["skips"].Size(), 2u) << r.body;
  EXPECT_STREQ(selection["skips"][0].GetString(), "stock");
  EXPECT_STREQ(selection["skips"][1].GetString(), "reviews");

  r =
      Get("/-/plans/demo.storefront.v1.Storefront.GetProductPage"
          "?format=dot&fields=product");
  ASSERT_EQ(r.status, 200) << r.body;
  // Skipped steps are drawn dashed; the product step runs.
  EXPECT_THAT(r.body, HasSubstr("ListReviews\\nOPTIONAL\", style=dashed"));
  EXPECT_THAT(r.body, HasSubstr("GetProduct\\nREQUIRED\"];"));

  r =
      Get("/-/plans/demo.storefront.v1.Storefront.GetProductPage"
          "?fields=nope");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("\"nope\""));
}

// GetShelves: a fan-out per category, then a nested fan-out over every
// product of every shelf (prices in one batch, stock per product).
TEST_F(PlanTest, ShelvesFanOutOverEveryShelfsProducts) {
  testing::HttpResponse r =
      Get("/v1/category-shelves?categories=coffee&categories=tea&pageSize=2");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_EQ(doc["products"].Size(), 4u) << r.body;
  const char* ids[] = {"p1", "p2", "p4", "p5"};
  for (int i = 0; i < 4; ++i) {
    const auto& p = doc["products"][i];
    EXPECT_STREQ(p["id"].GetString(), ids[i]);
    EXPECT_STREQ(p["price"]["productId"].GetString(), ids[i]) << r.body;
    // The stock's projection: no productId or warehouse, which is mapped
    // to the product's shipsFrom.
    EXPECT_TRUE(p["stock"].HasMember("availability")) << r.body;
    EXPECT_FALSE(p["stock"].HasMember("productId")) << r.body;
    EXPECT_FALSE(p["stock"].HasMember("warehouse")) << r.body;
    EXPECT_STREQ(p["shipsFrom"].GetString(), i == 2 ? "ber-2" : "ams-1")
        << r.body;
  }
  // p4 has nothing available.
  ASSERT_EQ(doc["inStock"].Size(), 3u) << r.body;
  EXPECT_STREQ(doc["inStock"][2].GetString(), "p5");
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 2);
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kInventory), 4);
}

TEST_F(PlanTest, ShelvesSelectionWithoutPricesOrStockCallsOnlyTheCatalog) {
  testing::HttpResponse r =
      Get("/v1/category-shelves?categories=coffee&categories=tea&pageSize=2"
          "&fields=products.id,products.name");
  ASSERT_EQ(r.status, 200) << r.body;
  rapidjson::Document doc = Json(r);
  ASSERT_EQ(doc["products"].Size(), 4u) << r.body;
  EXPECT_FALSE(doc["products"][0].HasMember("price")) << r.body;
  EXPECT_FALSE(doc["products"][0].HasMember("category")) << r.body;
  EXPECT_FALSE(doc.HasMember("inStock")) << r.body;
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 2);
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 0);
  EXPECT_EQ(Calls(StorefrontBackend::kInventory), 0);
}

// Waits (bounded) until `backend` has seen `calls` calls.
bool AwaitCalls(const demo::StorefrontKnobs& knobs, StorefrontBackend backend,
                int64_t calls) {
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (knobs.calls(backend) < calls) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

// GetProductPage's price step says `coalesce: true`: a second request for
// the same product while the first one's GetPrice is in flight shares it.
TEST_F(PlanTest, ConcurrentPagesShareOneCoalescedPriceCall) {
  storefront_->knobs().SetDelay(StorefrontBackend::kPricing,
                                absl::Milliseconds(1500));
  testing::HttpResponse first;
  std::thread t([&] { first = Get("/v1/products/p2/page"); });
  ASSERT_TRUE(AwaitCalls(storefront_->knobs(), StorefrontBackend::kPricing, 1));
  // The second run issues its steps in plan order; once its reviews call
  // arrived, its price call has joined the first one's.
  testing::HttpResponse second;
  std::thread u([&] { second = Get("/v1/products/p2/page"); });
  EXPECT_TRUE(AwaitCalls(storefront_->knobs(), StorefrontBackend::kReviews, 2));
  t.join();
  u.join();
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Calls(StorefrontBackend::kPricing), 1);
  EXPECT_EQ(Calls(StorefrontBackend::kCatalog), 2);
  EXPECT_EQ(Json(first)["price"]["amount"]["units"],
            Json(second)["price"]["amount"]["units"]);
  EXPECT_THAT(Get("/-/metrics").body,
              HasSubstr("protogate_plan_calls_coalesced_total{plan=\"demo."
                        "storefront.v1.Storefront/GetProductPage\",step="
                        "\"price\"} 1\n"));
}

}  // namespace
}  // namespace protogate::server
