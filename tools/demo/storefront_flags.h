// StorefrontFlags: the command line of the demo_storefront binary.
//
//   demo_storefront [--listen HOST:PORT] [--delay_ms SERVICE=N]...
//                   [--fail SERVICE[=CODE]]... [--help]
//
// SERVICE is catalog, pricing, inventory or reviews; N is 0..10000 ms; CODE
// a gRPC status code number 1..16 (default 14, UNAVAILABLE). Flags take
// their value as the next argument or after "=" (--delay_ms=reviews=200).
//
// Thread safety: pure functions.
//
// Example:
//   absl::StatusOr<StorefrontFlags> flags = ParseStorefrontFlags(args);
//   if (!flags.ok()) { Usage(flags.status()); return 2; }
//   ApplyStorefrontFlags(*flags, server->knobs());
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "tools/demo/storefront_knobs.h"

namespace protogate::demo {

// The usage text printed by --help.
extern const char kStorefrontUsage[];

struct StorefrontFlags {
  std::string listen = "127.0.0.1:50052";
  std::vector<std::pair<StorefrontBackend, absl::Duration>> delays;
  std::vector<std::pair<StorefrontBackend, grpc::StatusCode>> failures;
  bool help = false;  // --help or -h: print kStorefrontUsage and exit.
};

// Parses the arguments after the program name. INVALID_ARGUMENT naming the
// argument at fault: unknown flag, missing value, unknown service, bad
// number.
absl::StatusOr<StorefrontFlags> ParseStorefrontFlags(
    const std::vector<std::string_view>& args);

// Sets the delays and failures of `flags` on `knobs` (later flags for the
// same service win).
void ApplyStorefrontFlags(const StorefrontFlags& flags, StorefrontKnobs& knobs);

}  // namespace protogate::demo
