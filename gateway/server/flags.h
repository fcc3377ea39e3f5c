// Command-line flags of the `protogate` binary. The flags are overrides of
// the config file: ParseFlags loads --config (when given) into a
// config::v1::GatewayConfig and applies every other flag onto that message
// (--listen sets `listen`, --descriptor_set adds to
// `descriptors.descriptor_sets`, --backend adds to `backends`, --timeout
// sets `method_defaults.timeout`, ...), so the config message is the one
// description of what the gateway serves. The snapshot, the listener and
// the reloader are built from it.
//
// Thread safety: stateless functions; GatewayFlags is a value type.
//
// Example:
//   absl::StatusOr<GatewayFlags> flags = ParseFlags({argv + 1, argc - 1});
//   if (!flags.ok()) { fprintf(stderr, "protogate: %s\n", ...); return 2; }
//   ... flags->config.listen() ...
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

struct GatewayFlags {
  bool help = false;
  // --validate: load everything, report, exit (validate_command.h).
  bool validate = false;
  std::string config_file;  // --config, or "".
  // The config file (validated) with every other flag applied over it.
  config::v1::GatewayConfig config;
};

// Parses the arguments after the program name. Accepts `--flag value` and
// `--flag=value`; repeated flags accumulate where documented. With
// `--config FILE` the file is read first and the other flags override or
// add to it, wherever they stand. Returns InvalidArgument naming the flag
// for unknown flags, missing or bad values, and no descriptor source at
// all (unless --help); the config file's errors as they come
// (FailedPrecondition naming FILE:LINE:COLUMN and the config path).
absl::StatusOr<GatewayFlags> ParseFlags(absl::Span<const char* const> args);

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" ("[::1]:80" too) as a host and a port. InvalidArgument naming
// `flag` (e.g. "--listen") for anything else.
absl::StatusOr<ListenAddress> ParseListen(absl::string_view value,
                                          absl::string_view flag);

// The --help text: every flag with its meaning and default.
std::string Usage();

}  // namespace protogate::server
