// InventoryService: the demo storefront's demo.storefront.v1.Inventory
// backend (proto/demo/storefront.proto) over StorefrontData.
//
// Test knobs: StorefrontKnobs (process-wide, backend "inventory") and the
// per-request x-demo-delay-ms / x-demo-fail / x-demo-echo-* metadata (see
// test_knobs.h); responses carry "x-demo-server: inventory".
//
// Thread safety: handlers run concurrently on gRPC's threads; the data is
// read-only.
// Ownership: borrows `data` and `knobs`, which must outlive the service; the
// service must outlive the grpc::Server it is registered with.
//
// Example:
//   InventoryService service(data, knobs);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
// (or use StorefrontServer::Start() from storefront_server.h).
#pragma once

#include "demo/storefront.grpc.pb.h"
#include "grpcpp/server_context.h"
#include "tools/demo/storefront_data.h"
#include "tools/demo/storefront_knobs.h"

namespace protogate::demo {

class InventoryService final : public storefront_pb::Inventory::Service {
 public:
  InventoryService(const StorefrontData& data, const StorefrontKnobs& knobs)
      : data_(data), knobs_(knobs) {}

  // INVALID_ARGUMENT for an empty id, NOT_FOUND for an unknown one.
  grpc::Status GetStock(grpc::ServerContext* context,
                        const storefront_pb::GetStockRequest* request,
                        storefront_pb::Stock* response) override;

 private:
  const StorefrontData& data_;
  const StorefrontKnobs& knobs_;
};

}  // namespace protogate::demo
