#include "tools/demo/catalog_service.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/demo/demo_errors.h"

namespace protogate::demo {
namespace {

constexpr int kDefaultPageSize = 10;
constexpr int kMaxPageSize = 50;

// The products of `category` ("" for all), in id order.
std::vector<const ProductRecord*> InCategory(const StorefrontData& data,
                                             const std::string& category) {
  std::vector<const ProductRecord*> out;
  for (const ProductRecord& r : data.products) {
    if (category.empty() || r.product.category() == category) {
      out.push_back(&r);
    }
  }
  return out;
}

// Parses a page token (the index of the first product) into `start`.
grpc::Status ParsePageToken(const std::string& token, size_t total,
                            size_t& start) {
  start = 0;
  if (token.empty()) return grpc::Status::OK;
  if (!absl::SimpleAtoi(token, &start) || start > total) {
    return BadField("page_token", "not a token of this listing");
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status CatalogService::GetProduct(
    grpc::ServerContext* context,
    const storefront_pb::GetProductRequest* request,
    storefront_pb::Product* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kCatalog, *context);
      !s.ok()) {
    return s;
  }
  const ProductRecord* record = nullptr;
  if (grpc::Status s = LookupProduct(data_, "id", request->id(), record);
      !s.ok()) {
    return s;
  }
  *response = record->product;
  return grpc::Status::OK;
}

grpc::Status CatalogService::ListProducts(
    grpc::ServerContext* context,
    const storefront_pb::ListProductsRequest* request,
    storefront_pb::ListProductsResponse* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kCatalog, *context);
      !s.ok()) {
    return s;
  }
  if (request->page_size() < 0) {
    return BadField("page_size", "must not be negative");
  }
  const std::vector<const ProductRecord*> matches =
      InCategory(data_, request->category());
  size_t start = 0;
  if (grpc::Status s =
          ParsePageToken(request->page_token(), matches.size(), start);
      !s.ok()) {
    return s;
  }
  const size_t page_size = static_cast<size_t>(std::min(
      request->page_size() == 0 ? kDefaultPageSize : request->page_size(),
      kMaxPageSize));
  const size_t end = std::min(matches.size(), start + page_size);
  for (size_t i = start; i < end; ++i) {
    *response->add_products() = Summarize(matches[i]->product);
  }
  if (end < matches.size()) response->set_next_page_token(absl::StrCat(end));
  return grpc::Status::OK;
}

}  // namespace protogate::demo
