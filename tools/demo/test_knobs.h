// The demo backend's per-request test knobs (see bookstore_service.h):
// x-demo-delay-ms, x-demo-fail, x-demo-echo-*.
//
// Thread safety: stateless; call from the handler's thread.
#pragma once

#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

// Adds the response metadata, waits for the requested delay (cut short by
// cancellation) and returns the requested failure, or OK to proceed.
// REQUIRES: called at the start of a synchronous handler.
grpc::Status ApplyTestKnobs(grpc::ServerContext& context);

}  // namespace protogate::demo
