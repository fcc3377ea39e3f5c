#include "tools/demo/grpc_listener.h"

#include "absl/strings/str_cat.h"
#include "grpc/grpc.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace protogate::demo {

absl::StatusOr<ListeningServer> StartGrpcServer(
    const std::string& address, const std::vector<grpc::Service*>& services) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address \"", address, "\": expected \"host:port\""));
  }
  ListeningServer result;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(),
                           &result.port);
  for (grpc::Service* service : services) builder.RegisterService(service);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Accept keepalive pings during long calls instead of answering them with
  // GOAWAY "too_many_pings".
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  // grpc.health.v1.Health, SERVING while the server runs, for the
  // gateway's cluster health checks.
  grpc::EnableDefaultHealthCheckService(true);
  result.server = builder.BuildAndStart();
  if (result.server == nullptr || result.port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on \"", address, "\""));
  }
  result.address = absl::StrCat(address.substr(0, colon), ":", result.port);
  return result;
}

}  // namespace protogate::demo
