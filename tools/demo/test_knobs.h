// The demo backends' per-request test knobs (see bookstore_service.h):
// x-demo-delay-ms, x-demo-fail, x-demo-echo-*; plus process-wide defaults
// (the demo_storefront's --delay_ms and --fail flags).
//
// Thread safety: stateless; call from the handler's thread.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace protogate::demo {

// Process-wide knobs applied before the per-request ones.
struct TestKnobOptions {
  // The value of the "x-demo-server" initial metadata of every response.
  std::string server_name = "bookstore";
  // Waited (cut short by cancellation) before any x-demo-delay-ms delay; the
  // two add up.
  absl::Duration delay = absl::ZeroDuration();
  // When not OK: every call fails with this code and `fail_message`, unless
  // the request's x-demo-fail asks for another failure.
  grpc::StatusCode fail = grpc::StatusCode::OK;
  std::string fail_message = "demo failure";
};

// Adds the response metadata, waits for the requested delay (cut short by
// cancellation) and returns the requested failure, or OK to proceed.
// REQUIRES: called at the start of a synchronous handler.
grpc::Status ApplyTestKnobs(grpc::ServerContext& context);

// Same with process-wide knobs: waits options.delay, then applies the
// request's knobs; a request failure wins over options.fail.
grpc::Status ApplyTestKnobs(grpc::ServerContext& context,
                            const TestKnobOptions& options);

// Waits `delay`, or less if the call is cancelled meanwhile.
void WaitUnlessCancelled(grpc::ServerContext& context, absl::Duration delay);

}  // namespace protogate::demo
