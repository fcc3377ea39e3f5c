// StorefrontServer: a running gRPC server hosting the four demo storefront
// backends (demo.storefront.v1.Catalog, Pricing, Inventory and Reviews) on
// one address, over one StorefrontData, for the demo_storefront binary and
// for in-process tests. The gateway-facing Storefront service is not served:
// it exists only in the gateway, as composition plans over these four.
//
// Thread safety: all methods may be called from any thread; knobs() may be
// changed while calls run.
// Ownership: owns the data, the knobs, the services and the server;
// destroying the StorefrontServer shuts it down.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::unique_ptr<StorefrontServer> server,
//                       StorefrontServer::Start("127.0.0.1:0"));
//   server->knobs().SetDelay(StorefrontBackend::kReviews,
//                            absl::Milliseconds(200));
//   std::string target = server->address();  // "127.0.0.1:41235"
//   ...
//   server->Shutdown();
#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server.h"
#include "tools/demo/storefront_data.h"
#include "tools/demo/storefront_knobs.h"

namespace protogate::demo {

class StorefrontServer {
 public:
  // Starts serving the four backends over MakeStorefrontData() on
  // `address`, "host:port"; port 0 picks a free port (see port()). Insecure
  // credentials; SO_REUSEPORT off, so a port in use is an error. Knobs start
  // off. Returns INVALID_ARGUMENT for an address without ":port" and
  // UNAVAILABLE naming the address when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<StorefrontServer>> Start(
      const std::string& address);

  StorefrontServer(const StorefrontServer&) = delete;
  StorefrontServer& operator=(const StorefrontServer&) = delete;
  ~StorefrontServer();  // Shutdown().

  // The port actually bound.
  int port() const { return port_; }
  // The host given to Start() with the bound port, e.g. "127.0.0.1:41235".
  const std::string& address() const { return address_; }
  // The process-wide delay and failure switches of the four backends.
  StorefrontKnobs& knobs();
  const StorefrontData& data() const;

  // Stops accepting calls, gives running calls up to 1 s to finish, then
  // cancels them, and returns once every handler has returned. Idempotent.
  void Shutdown();

 private:
  // The data, the knobs and the four services borrowing them.
  struct Backends;

  StorefrontServer(std::unique_ptr<Backends> backends,
                   std::unique_ptr<grpc::Server> server, int port,
                   std::string address);

  // Declared before server_: destroyed after it.
  std::unique_ptr<Backends> backends_;
  std::unique_ptr<grpc::Server> server_;
  const int port_;
  const std::string address_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace protogate::demo
