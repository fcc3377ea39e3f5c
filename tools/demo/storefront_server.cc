#include "tools/demo/storefront_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/grpc.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "tools/demo/catalog_service.h"
#include "tools/demo/inventory_service.h"
#include "tools/demo/pricing_service.h"
#include "tools/demo/reviews_service.h"

namespace protogate::demo {
namespace {

constexpr absl::Duration kShutdownGrace = absl::Seconds(1);

}  // namespace

struct StorefrontServer::Backends {
  StorefrontData data = MakeStorefrontData();
  StorefrontKnobs knobs;
  CatalogService catalog{data, knobs};
  PricingService pricing{data, knobs};
  InventoryService inventory{data, knobs};
  ReviewsService reviews{data, knobs};
};

absl::StatusOr<std::unique_ptr<StorefrontServer>> StorefrontServer::Start(
    const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address \"", address, "\": expected \"host:port\""));
  }
  auto backends = std::make_unique<Backends>();
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&backends->catalog);
  builder.RegisterService(&backends->pricing);
  builder.RegisterService(&backends->inventory);
  builder.RegisterService(&backends->reviews);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Accept the gateway's keepalive pings during long calls (see
  // demo_server.cc).
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on \"", address, "\""));
  }
  std::string bound = absl::StrCat(address.substr(0, colon), ":", port);
  return std::unique_ptr<StorefrontServer>(new StorefrontServer(
      std::move(backends), std::move(server), port, std::move(bound)));
}

StorefrontServer::StorefrontServer(std::unique_ptr<Backends> backends,
                                   std::unique_ptr<grpc::Server> server,
                                   int port, std::string address)
    : backends_(std::move(backends)),
      server_(std::move(server)),
      port_(port),
      address_(std::move(address)) {}

StorefrontServer::~StorefrontServer() { Shutdown(); }

StorefrontKnobs& StorefrontServer::knobs() { return backends_->knobs; }

const StorefrontData& StorefrontServer::data() const { return backends_->data; }

void StorefrontServer::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  shut_down_ = true;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + kShutdownGrace));
  server_->Wait();
}

}  // namespace protogate::demo
