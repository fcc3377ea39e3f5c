// CatalogService: the demo storefront's demo.storefront.v1.Catalog backend
// (proto/demo/storefront.proto) over StorefrontData.
//
// Test knobs: StorefrontKnobs (process-wide, backend "catalog") and the
// per-request x-demo-delay-ms / x-demo-fail / x-demo-echo-* metadata (see
// test_knobs.h); responses carry "x-demo-server: catalog".
//
// Thread safety: handlers run concurrently on gRPC's threads; the data is
// read-only.
// Ownership: borrows `data` and `knobs`, which must outlive the service; the
// service must outlive the grpc::Server it is registered with.
//
// Example:
//   CatalogService service(data, knobs);
//   grpc::ServerBuilder builder;
//   builder.RegisterService(&service);
// (or use StorefrontServer::Start() from storefront_server.h).
#pragma once

#include "demo/storefront.grpc.pb.h"
#include "grpcpp/server_context.h"
#include "tools/demo/storefront_data.h"
#include "tools/demo/storefront_knobs.h"

namespace protogate::demo {

class CatalogService final : public storefront_pb::Catalog::Service {
 public:
  CatalogService(const StorefrontData& data, const StorefrontKnobs& knobs)
      : data_(data), knobs_(knobs) {}

  // INVALID_ARGUMENT "id: must not be empty", NOT_FOUND for an unknown id.
  grpc::Status GetProduct(grpc::ServerContext* context,
                          const storefront_pb::GetProductRequest* request,
                          storefront_pb::Product* response) override;
  // Pages of ProductSummary in id order; page_size 0 means 10, larger than
  // 50 is clamped. The page token is the index of the next product.
  // INVALID_ARGUMENT for a negative page_size or a malformed page_token.
  grpc::Status ListProducts(
      grpc::ServerContext* context,
      const storefront_pb::ListProductsRequest* request,
      storefront_pb::ListProductsResponse* response) override;

 private:
  const StorefrontData& data_;
  const StorefrontKnobs& knobs_;
};

}  // namespace protogate::demo
