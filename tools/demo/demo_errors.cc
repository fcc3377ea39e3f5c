#include "tools/demo/demo_errors.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace protogate::demo {
namespace {

grpc::Status WithDetail(grpc::StatusCode code, std::string message,
                        const google::protobuf::Message& detail) {
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  status.set_message(message);
  status.add_details()->PackFrom(detail);
  return grpc::Status(code, std::move(message), status.SerializeAsString());
}

}  // namespace

grpc::Status NotFound(absl::string_view resource_type,
                      absl::string_view resource_name, std::string message) {
  google::rpc::ResourceInfo info;
  info.set_resource_type(std::string(resource_type));
  info.set_resource_name(std::string(resource_name));
  info.set_description(message);
  return WithDetail(grpc::StatusCode::NOT_FOUND, std::move(message), info);
}

grpc::Status BadField(absl::string_view field, absl::string_view description) {
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  return WithDetail(grpc::StatusCode::INVALID_ARGUMENT,
                    absl::StrCat(field, ": ", description), bad_request);
}

}  // namespace protogate::demo
