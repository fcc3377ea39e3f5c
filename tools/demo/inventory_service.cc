#include "tools/demo/inventory_service.h"

namespace protogate::demo {

grpc::Status InventoryService::GetStock(
    grpc::ServerContext* context, const storefront_pb::GetStockRequest* request,
    storefront_pb::Stock* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kInventory, *context);
      !s.ok()) {
    return s;
  }
  const ProductRecord* record = nullptr;
  if (grpc::Status s =
          LookupProduct(data_, "product_id", request->product_id(), record);
      !s.ok()) {
    return s;
  }
  *response = record->stock;
  return grpc::Status::OK;
}

}  // namespace protogate::demo
