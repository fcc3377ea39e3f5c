// StartGrpcServer: the start-up the demo servers share — listen on
// "host:port" (port 0 picks one), register services, accept the gateway's
// keepalive pings, and report the bound address.
//
// Thread safety: a stateless function.
// Ownership: the services must outlive the returned server.
//
// Example:
//   PG_ASSIGN_OR_RETURN(ListeningServer s,
//                       StartGrpcServer("127.0.0.1:0", {&service}));
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/impl/codegen/service_type.h"
#include "grpcpp/server.h"

namespace protogate::demo {

struct ListeningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::string address;  // The given host with the bound port.
};

// Insecure credentials; SO_REUSEPORT off, so a port in use is an error.
// INVALID_ARGUMENT for an address without ":port", UNAVAILABLE naming the
// address when it cannot listen there.
absl::StatusOr<ListeningServer> StartGrpcServer(
    const std::string& address, const std::vector<grpc::Service*>& services);

}  // namespace protogate::demo
