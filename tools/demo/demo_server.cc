#include "tools/demo/demo_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/grpc.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace protogate::demo {
namespace {

constexpr absl::Duration kShutdownGrace = absl::Seconds(1);

}  // namespace

absl::StatusOr<std::unique_ptr<DemoServer>> DemoServer::Start(
    std::string address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address \"", address, "\": expected \"host:port\""));
  }
  auto service = std::make_unique<BookstoreService>();
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service.get());
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Accept the gateway's keepalive pings (every 30 s by default) during
  // long calls instead of answering them with GOAWAY "too_many_pings".
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on \"", address, "\""));
  }
  std::string bound = absl::StrCat(address.substr(0, colon), ":", port);
  return std::unique_ptr<DemoServer>(new DemoServer(
      std::move(service), std::move(server), port, std::move(bound)));
}

DemoServer::DemoServer(std::unique_ptr<BookstoreService> service,
                       std::unique_ptr<grpc::Server> server, int port,
                       std::string address)
    : service_(std::move(service)),
      server_(std::move(server)),
      port_(port),
      address_(std::move(address)) {}

DemoServer::~DemoServer() { Shutdown(); }

void DemoServer::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
  server_->Wait();
}

}  // namespace protogate::demo
