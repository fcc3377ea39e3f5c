#include "tools/demo/reviews_service.h"

namespace protogate::demo {

grpc::Status ReviewsService::ListReviews(
    grpc::ServerContext* context,
    const storefront_pb::ListReviewsRequest* request,
    storefront_pb::ListReviewsResponse* response) {
  if (grpc::Status s = knobs_.Apply(StorefrontBackend::kReviews, *context);
      !s.ok()) {
    return s;
  }
  const ProductRecord* record = nullptr;
  if (grpc::Status s =
          LookupProduct(data_, "product_id", request->product_id(), record);
      !s.ok()) {
    return s;
  }
  *response = record->reviews;
  return grpc::Status::OK;
}

}  // namespace protogate::demo
