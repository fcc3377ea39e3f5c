// PricingService: the demo storefront's demo.storefront.v1.Pricing backend
// (proto/demo/storefront.proto) over StorefrontData.
//
// Test knobs: StorefrontKnobs (process-wide, backend "pricing") and the
// per-request x-demo-delay-ms / x-demo-fail / x-demo-echo-* metadata (see
// test_knobs.h); responses carry "x-demo-server: pricing".
//
// Thread safety: handlers run concurrently on gRPC's threads; the data is
// read-only.
// Ownership: borrows `data` and `knobs`, which must outlive the service; the
// service must outlive the grpc::Server it is registered with.
//
// Example:
//   PricingService service(data, knobs);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
// (or use StorefrontServer::Start() from storefront_server.h).
#pragma once

#include "demo/storefront.grpc.pb.h"
#include "grpcpp/server_context.h"
#include "tools/demo/storefront_data.h"
#include "tools/demo/storefront_knobs.h"

namespace protogate::demo {

class PricingService final : public storefront_pb::Pricing::Service {
 public:
  PricingService(const StorefrontData& data, const StorefrontKnobs& knobs)
      : data_(data), knobs_(knobs) {}

  // INVALID_ARGUMENT for an empty id, NOT_FOUND for an unknown one.
  grpc::Status GetPrice(grpc::ServerContext* context,
                        const storefront_pb::GetPriceRequest* request,
                        storefront_pb::Price* response) override;
  // Known ids in request order (repeated ids repeat); unknown ids are left
  // out. INVALID_ARGUMENT "product_ids: at most 100 ids" beyond 100.
  grpc::Status BatchGetPrices(
      grpc::ServerContext* context,
      const storefront_pb::BatchGetPricesRequest* request,
      storefront_pb::BatchGetPricesResponse* response) override;

 private:
  const StorefrontData& data_;
  const StorefrontKnobs& knobs_;
};

}  // namespace protogate::demo
