#include "tools/demo/storefront_server.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/demo/catalog_service.h"
#include "tools/demo/grpc_listener.h"
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
  auto backends = std::make_unique<Backends>();
  absl::StatusOr<ListeningServer> listening =
      StartGrpcServer(address, {&backends->catalog, &backends->pricing,
                                &backends->inventory, &backends->reviews});
  if (!listening.ok()) return listening.status();
  return std::unique_ptr<StorefrontServer>(
      new StorefrontServer(std::move(backends), std::move(listening->server),
                           listening->port, std::move(listening->address)));
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
