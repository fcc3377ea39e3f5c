// DemoServer: a running gRPC server hosting one BookstoreService, for the
// demo_bookstore binary and for in-process tests.
//
// Thread safety: all methods may be called from any thread.
// Ownership: owns the service and the server; destroying the DemoServer
// shuts it down.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::unique_ptr<DemoServer> server,
//                       DemoServer::Start("127.0.0.1:0"));
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
#include "tools/demo/bookstore_service.h"

namespace protogate::demo {

class DemoServer {
 public:
  // Starts serving a fresh BookstoreService (seed data) on `address`,
  // "host:port"; port 0 picks a free port (see port()). Insecure
  // credentials; SO_REUSEPORT off, so a port in use is an error.
  // Returns INVALID_ARGUMENT for an address without ":port" and UNAVAILABLE
  // naming the address when it cannot listen there.
  static absl::StatusOr<std::unique_ptr<DemoServer>> Start(std::string address);

  DemoServer(const DemoServer&) = delete;
  DemoServer& operator=(const DemoServer&) = delete;
  ~DemoServer();  // Shutdown().

  // The port actually bound.
  int port() const { return port_; }
  // The host of the address given to Start() with the bound port, e.g.
  // "127.0.0.1:41235": a target for clients of the same host.
  const std::string& address() const { return address_; }
  BookstoreService& service() { return *service_; }

  // Stops accepting calls, gives running calls up to 1 s to finish, then
  // cancels them, and returns once every handler has returned. Idempotent.
  void Shutdown();

 private:
  DemoServer(std::unique_ptr<BookstoreService> service,
             std::unique_ptr<grpc::Server> server, int port,
             std::string address);

  std::unique_ptr<BookstoreService> service_;
  std::unique_ptr<grpc::Server> server_;
  const int port_;
  const std::string address_;
  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace protogate::demo
