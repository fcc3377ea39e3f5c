// Command-line flags of the `protogate` binary.
//
// Thread safety: stateless functions; GatewayFlags is a value type.
//
// Example:
//   absl::StatusOr<GatewayFlags> flags = ParseFlags({argv + 1, argc - 1});
//   if (!flags.ok()) { fprintf(stderr, "protogate: %s\n", ...); return 2; }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gateway/upstream/upstreams.h"

namespace protogate::server {

struct GatewayFlags {
  bool help = false;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::vector<std::string> descriptor_sets;
  std::vector<upstream::BackendSpec> backends;
  absl::Duration timeout = absl::Seconds(15);
  absl::Duration drain_grace = absl::Seconds(10);
  int io_threads = 0;
  size_t max_body_bytes = 4 * 1024 * 1024;
  bool verbose = false;
};

// Parses the arguments after the program name. Accepts `--flag value` and
// `--flag=value`; repeated flags accumulate where documented. Returns
// InvalidArgument naming the flag for unknown flags, missing or bad values,
// and a missing --descriptor_set (unless --help).
absl::StatusOr<GatewayFlags> ParseFlags(absl::Span<const char* const> args);

// The --help text: every flag with its meaning and default.
std::string Usage();

}  // namespace protogate::server
