#include "gateway/upstream/grpc_unary_caller.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"

namespace protogate::upstream {

struct GrpcUnaryCaller::State {
  std::string method;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
};

absl::StatusOr<std::unique_ptr<GrpcUnaryCaller>> GrpcUnaryCaller::Create(
    const std::string& target, std::string method) {
  size_t colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == target.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("endpoint \"", target, "\": expected HOST:PORT"));
  }
  if (!absl::StartsWith(method, "/") ||
      method.find('/', 1) == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "method \"", method, "\": expected /package.Service/Method"));
  }
  auto state = std::make_unique<State>();
  state->method = std::move(method);
  state->channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  state->stub = std::make_unique<grpc::GenericStub>(state->channel);
  return std::unique_ptr<GrpcUnaryCaller>(
      new GrpcUnaryCaller(std::move(state)));
}

GrpcUnaryCaller::GrpcUnaryCaller(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
GrpcUnaryCaller::~GrpcUnaryCaller() = default;

absl::StatusOr<std::string> GrpcUnaryCaller::Call(const std::string& request,
                                                  absl::Duration timeout) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  absl::Notification done;
  state_->stub->UnaryCall(&context, state_->method, grpc::StubOptions(),
                          &request_buffer, &response_buffer,
                          [&](grpc::Status s) {
                            status = std::move(s);
                            done.Notify();
                          });
  done.WaitForNotification();
  if (!status.ok()) {
    return absl::Status(
        static_cast<absl::StatusCode>(status.error_code()),
        absl::StrCat(state_->method, ": ", status.error_message()));
  }
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::InternalError(absl::StrCat(state_->method, ": bad response"));
  }
  std::string response;
  for (const grpc::Slice& s : slices) {
    response.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return response;
}

}  // namespace protogate::upstream
