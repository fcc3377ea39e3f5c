#include "tools/demo/pricing_service.h"

#include "absl/strings/str_cat.h"
#include "tools/demo/demo_errors.h"

namespace protogate::demo {
namespace {

constexpr int kMaxBatch = 100;

}  // namespace

grpc::Status PricingService::GetPrice(
    grpc::ServerContext* context, const storefront_pb::GetPriceRequest* request,
    storefront_pb::Price* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kPricing, *context);
      !s.ok()) {
    return s;
  }
  const ProductRecord* record = nullptr;
  if (grpc::Status s =
          LookupProduct(data_, "product_id", request->product_id(), record);
      !s.ok()) {
    return s;
  }
  *response = record->price;
  return grpc::Status::OK;
}

grpc::Status PricingService::BatchGetPrices(
    grpc::ServerContext* context,
    const storefront_pb::BatchGetPricesRequest* request,
    storefront_pb::BatchGetPricesResponse* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kPricing, *context);
      !s.ok()) {
    return s;
  }
  if (request->product_ids_size() > kMaxBatch) {
    return BadField("product_ids", absl::StrCat("at most ", kMaxBatch, " ids"));
  }
  for (const std::string& id : request->product_ids()) {
    if (const ProductRecord* record = data_.Find(id); record != nullptr) {
      *response->add_prices() = record->price;
    }
  }
  return grpc::Status::OK;
}

}  // namespace protogate::demo
