#include "tools/demo/demo_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/demo/grpc_listener.h"

namespace protogate::demo {
namespace {

constexpr absl::Duration kShutdownGrace = absl::Seconds(1);

}  // namespace

absl::StatusOr<std::unique_ptr<DemoServer>> DemoServer::Start(
    std::string address) {
  auto service = std::make_unique<BookstoreService>();
  absl::StatusOr<ListeningServer> listening =
      StartGrpcServer(address, {service.get()});
  if (!listening.ok()) return listening.status();
  return std::unique_ptr<DemoServer>(
      new DemoServer(std::move(service), std::move(listening->server),
                     listening->port, std::move(listening->address)));
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
