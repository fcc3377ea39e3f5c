// The four demo storefront backends through real gRPC: seed data, errors,
// and the process-wide and per-request delay and failure knobs.
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/demo/storefront_fixture.h"

namespace protogate::demo {
namespace {

using ::protogate::demo::testing::StorefrontFixture;
using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::vector<std::string> Ids(const storefront_pb::ListProductsResponse& r) {
  std::vector<std::string> ids;
  for (const auto& p : r.products()) ids.push_back(p.id());
  return ids;
}

std::string ServerHeader(const grpc::ClientContext& context) {
  const auto& metadata = context.GetServerInitialMetadata();
  auto it = metadata.find("x-demo-server");
  return it == metadata.end()
             ? ""
             : std::string(it->second.data(), it->second.size());
}

class StorefrontServicesTest : public StorefrontFixture {
 protected:
  grpc::Status ListReviews(const std::string& id,
                           storefront_pb::ListReviewsResponse& out,
                           grpc::ClientContext& context) {
    storefront_pb::ListReviewsRequest request;
    request.set_product_id(id);
    return reviews_->ListReviews(&context, request, &out);
  }

  grpc::Status List(int page_size, const std::string& category,
                    const std::string& token,
                    storefront_pb::ListProductsResponse& out) {
    storefront_pb::ListProductsRequest request;
    request.set_page_size(page_size);
    request.set_category(category);
    request.set_page_token(token);
    return catalog_->ListProducts(Context().get(), request, &out);
  }
};

TEST_F(StorefrontServicesTest, CatalogGetsAProduct) {
  storefront_pb::GetProductRequest request;
  request.set_id("p3");
  storefront_pb::Product product;
  auto context = Context();
  grpc::Status s = catalog_->GetProduct(context.get(), request, &product);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(product.id(), "p3");
  EXPECT_EQ(product.name(), "Swiss Water decaf 500 g");
  EXPECT_EQ(product.category(), "coffee");
  EXPECT_EQ(product.image_url(), "https://img.example.com/products/p3.jpg");
  EXPECT_THAT(product.tags(), ElementsAre("decaf", "blend"));
  EXPECT_EQ(ServerHeader(*context), "catalog");
}

TEST_F(StorefrontServicesTest, CatalogRejectsUnknownAndEmptyIds) {
  storefront_pb::GetProductRequest request;
  storefront_pb::Product product;
  request.set_id("p9");
  grpc::Status s = catalog_->GetProduct(Context().get(), request, &product);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "product \"p9\" not found");
  request.set_id("");
  s = catalog_->GetProduct(Context().get(), request, &product);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "id: must not be empty");
}

TEST_F(StorefrontServicesTest, CatalogListsEveryProductByDefault) {
  storefront_pb::ListProductsResponse page;
  ASSERT_TRUE(List(0, "", "", page).ok());
  EXPECT_THAT(Ids(page),
              ElementsAre("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"));
  EXPECT_EQ(page.next_page_token(), "");
  EXPECT_FALSE(page.products(0).has_price());
  EXPECT_FALSE(page.products(0).has_stock());
}

TEST_F(StorefrontServicesTest, CatalogPagesAndFiltersByCategory) {
  storefront_pb::ListProductsResponse first, second, tea;
  ASSERT_TRUE(List(3, "", "", first).ok());
  EXPECT_THAT(Ids(first), ElementsAre("p1", "p2", "p3"));
  ASSERT_TRUE(List(3, "", first.next_page_token(), second).ok());
  EXPECT_THAT(Ids(second), ElementsAre("p4", "p5", "p6"));
  ASSERT_TRUE(List(0, "tea", "", tea).ok());
  EXPECT_THAT(Ids(tea), ElementsAre("p4", "p5"));
}

TEST_F(StorefrontServicesTest, CatalogRejectsBadPageArguments) {
  storefront_pb::ListProductsResponse page;
  grpc::Status s = List(-1, "", "", page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "page_size: must not be negative");
  s = List(3, "", "x", page);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

TEST_F(StorefrontServicesTest, PricingGetsADiscountedPrice) {
  storefront_pb::GetPriceRequest request;
  request.set_product_id("p2");
  storefront_pb::Price price;
  auto context = Context();
  ASSERT_TRUE(pricing_->GetPrice(context.get(), request, &price).ok());
  EXPECT_EQ(price.product_id(), "p2");
  EXPECT_EQ(price.amount().currency_code(), "EUR");
  EXPECT_EQ(price.amount().units(), 35);
  EXPECT_EQ(price.amount().nanos(), 100'000'000);
  EXPECT_EQ(price.list_price().units(), 39);
  EXPECT_EQ(price.discount_percent(), 10);
  EXPECT_EQ(ServerHeader(*context), "pricing");
}

TEST_F(StorefrontServicesTest, PricingBatchKeepsOrderAndSkipsUnknownIds) {
  storefront_pb::BatchGetPricesRequest request;
  for (const char* id : {"p8", "p9", "p1"}) request.add_product_ids(id);
  storefront_pb::BatchGetPricesResponse response;
  ASSERT_TRUE(
      pricing_->BatchGetPrices(Context().get(), request, &response).ok());
  ASSERT_EQ(response.prices_size(), 2);
  EXPECT_EQ(response.prices(0).product_id(), "p8");
  EXPECT_EQ(response.prices(0).amount().units(), 24);
  EXPECT_EQ(response.prices(1).product_id(), "p1");
}

TEST_F(StorefrontServicesTest, PricingBatchRejectsMoreThan100Ids) {
  storefront_pb::BatchGetPricesRequest request;
  for (int i = 0; i < 101; ++i) request.add_product_ids("p1");
  storefront_pb::BatchGetPricesResponse response;
  grpc::Status s =
      pricing_->BatchGetPrices(Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "product_ids: at most 100 ids");
}

TEST_F(StorefrontServicesTest, InventoryReportsAvailability) {
  storefront_pb::GetStockRequest request;
  storefront_pb::Stock stock;
  request.set_product_id("p3");
  auto context = Context();
  ASSERT_TRUE(inventory_->GetStock(context.get(), request, &stock).ok());
  EXPECT_EQ(stock.available(), 3);
  EXPECT_EQ(stock.warehouse(), "ber-2");
  EXPECT_EQ(stock.availability(), storefront_pb::Stock::LOW_STOCK);
  EXPECT_EQ(ServerHeader(*context), "inventory");
  request.set_product_id("p4");
  ASSERT_TRUE(inventory_->GetStock(Context().get(), request, &stock).ok());
  EXPECT_EQ(stock.availability(), storefront_pb::Stock::OUT_OF_STOCK);
  request.set_product_id("nope");
  EXPECT_EQ(inventory_->GetStock(Context().get(), request, &stock).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(StorefrontServicesTest, ReviewsListNewestFirstWithAverage) {
  storefront_pb::ListReviewsResponse reviews;
  auto context = Context();
  ASSERT_TRUE(ListReviews("p1", reviews, *context).ok());
  ASSERT_EQ(reviews.reviews_size(), 3);
  EXPECT_EQ(reviews.reviews(0).author(), "mira");
  EXPECT_EQ(reviews.reviews(0).rating(), 5);
  EXPECT_EQ(reviews.review_count(), 3);
  EXPECT_THAT(reviews.average_rating(), DoubleNear(14.0 / 3, 1e-9));
  EXPECT_EQ(ServerHeader(*context), "reviews");
}

TEST_F(StorefrontServicesTest, ReviewsOfAProductWithoutReviewsAreEmpty) {
  storefront_pb::ListReviewsResponse reviews;
  auto context = Context();
  ASSERT_TRUE(ListReviews("p4", reviews, *context).ok());
  EXPECT_EQ(reviews.reviews_size(), 0);
  EXPECT_EQ(reviews.review_count(), 0);
  EXPECT_EQ(reviews.average_rating(), 0.0);
}

TEST_F(StorefrontServicesTest, FailSwitchFailsOnlyThatBackend) {
  knobs().SetFailure(StorefrontBackend::kReviews,
                     grpc::StatusCode::UNAVAILABLE);
  storefront_pb::ListReviewsResponse reviews;
  grpc::Status s = ListReviews("p1", reviews, *Context());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "demo failure requested by --fail reviews");

  storefront_pb::GetStockRequest request;
  request.set_product_id("p1");
  storefront_pb::Stock stock;
  EXPECT_TRUE(inventory_->GetStock(Context().get(), request, &stock).ok());

  knobs().SetFailure(StorefrontBackend::kReviews, grpc::StatusCode::OK);
  EXPECT_TRUE(ListReviews("p1", reviews, *Context()).ok());
}

TEST_F(StorefrontServicesTest, RequestFailKnobWinsOverTheSwitch) {
  knobs().SetFailure(StorefrontBackend::kReviews, grpc::StatusCode::INTERNAL);
  auto context = Context();
  context->AddMetadata("x-demo-fail", "5");
  storefront_pb::ListReviewsResponse reviews;
  grpc::Status s = ListReviews("p1", reviews, *context);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "demo failure requested by x-demo-fail");
}

TEST_F(StorefrontServicesTest, DelaySwitchDelaysOnlyThatBackend) {
  knobs().SetDelay(StorefrontBackend::kInventory, absl::Seconds(5));
  storefront_pb::GetStockRequest request;
  request.set_product_id("p1");
  storefront_pb::Stock stock;
  // The delayed backend misses a short deadline; the others do not.
  grpc::Status s = inventory_->GetStock(Context(absl::Milliseconds(100)).get(),
                                        request, &stock);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  storefront_pb::ListReviewsResponse reviews;
  EXPECT_TRUE(ListReviews("p1", reviews, *Context(absl::Seconds(5))).ok());

  knobs().SetDelay(StorefrontBackend::kInventory, absl::Milliseconds(150));
  const absl::Time start = absl::Now();
  EXPECT_TRUE(inventory_->GetStock(Context().get(), request, &stock).ok());
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));
}

TEST_F(StorefrontServicesTest, RequestDelayKnobApplies) {
  auto context = Context(absl::Milliseconds(100));
  context->AddMetadata("x-demo-delay-ms", "5000");
  storefront_pb::ListReviewsResponse reviews;
  EXPECT_EQ(ListReviews("p1", reviews, *context).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(StorefrontServicesTest, EchoKnobReturnsTrailers) {
  auto context = Context();
  context->AddMetadata("x-demo-echo-trace", "abc");
  storefront_pb::ListReviewsResponse reviews;
  ASSERT_TRUE(ListReviews("p1", reviews, *context).ok());
  std::vector<std::pair<std::string, std::string>> echoed;
  for (const auto& [k, v] : context->GetServerTrailingMetadata()) {
    echoed.emplace_back(std::string(k.data(), k.size()),
                        std::string(v.data(), v.size()));
  }
  EXPECT_THAT(echoed, ::testing::Contains(Pair("x-demo-echo-trace", "abc")));
}

}  // namespace
}  // namespace protogate::demo
