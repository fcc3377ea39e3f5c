// StorefrontData: the demo storefront's fixed content, shared read-only by
// the Catalog, Pricing, Inventory and Reviews services. Eight products,
// "p1".."p8", in the categories "coffee" (p1-p3), "tea" (p4-p5) and
// "kitchen" (p6-p8); each has a price (EUR) and a stock entry, and p4 has no
// reviews. Deterministic, so demos and tests see the same data every run.
//
// Thread safety: immutable after MakeStorefrontData(); any number of threads
// may read it.
//
// Example:
//   StorefrontData data = MakeStorefrontData();
//   const ProductRecord* p = data.Find("p3");  // Decaf, LOW_STOCK.
#pragma once

#include <string_view>
#include <vector>

#include "demo/storefront.pb.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

namespace storefront_pb = ::demo::storefront::v1;

// Everything the backends know about one product.
struct ProductRecord {
  storefront_pb::Product product;
  storefront_pb::Price price;
  storefront_pb::Stock stock;
  storefront_pb::ListReviewsResponse reviews;  // Newest first.
};

struct StorefrontData {
  std::vector<ProductRecord> products;  // Ordered by id.

  // The product with `id`, or nullptr. The pointer lives as long as `this`.
  const ProductRecord* Find(std::string_view id) const;
};

StorefrontData MakeStorefrontData();

// Sets `out` to the product with `id` and returns OK; else returns
// INVALID_ARGUMENT "<field>: must not be empty" (with a BadRequest detail)
// for an empty id, or NOT_FOUND "product \"<id>\" not found" (with a
// ResourceInfo detail).
grpc::Status LookupProduct(const StorefrontData& data, std::string_view field,
                           std::string_view id, const ProductRecord*& out);

// The ProductSummary of a product (price and stock unset).
storefront_pb::ProductSummary Summarize(const storefront_pb::Product& product);

}  // namespace protogate::demo
