// Command-line flags of the `protogate` binary.
//
// Thread safety: stateless functions; GatewayFlags is a value type.
//
// Example:
//   absl::StatusOr<GatewayFlags> flags = ParseFlags({argv + 1, argc - 1});
//   if (!flags.ok()) { fprintf(stderr, "protogate: %s\n", ...); return 2; }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "gateway/proxy/method_settings.h"
#include "gateway/transcoding/options.h"
#include "gateway/upstream/retry_budget.h"
#include "gateway/upstream/upstreams.h"
#include "google/api/http.pb.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::server {

using proxy::MethodSetting;
using proxy::RetrySetting;

// A gRPC server whose services and descriptors are read through server
// reflection (config `descriptors.reflection`, --reflection).
struct ReflectionSourceSpec {
  std::string target;  // Any gRPC target: "host:port", "dns:///host:port".
  // How often the descriptors are fetched again; zero: never.
  absl::Duration refresh_interval = absl::Seconds(30);
};

// Everything the binary is configured with: the flags, over the values of
// the --config file when one is given.
struct GatewayFlags {
  bool help = false;
  std::string config_file;
  // The --config file as loaded and validated (empty without one): the
  // sections below that are not copied into flags (the pipeline stages'
  // auth, rate_limits, cors, ...) are built from it.
  config::v1::GatewayConfig config;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::vector<std::string> descriptor_sets;
  std::vector<std::string> protos;               // --proto, descriptors.protos
  std::vector<std::string> proto_paths;          // --proto_path, .proto_paths
  std::vector<ReflectionSourceSpec> reflection;  // --reflection
  // Of the --reflection sources (config sources have their own).
  absl::Duration reflection_refresh = absl::Seconds(30);
  // How often watched files are checked for changes; zero: never.
  absl::Duration watch_interval = absl::Seconds(1);
  std::vector<upstream::BackendSpec> backends;
  // Config `clusters` and `routes` (--backend adds to them).
  std::vector<upstream::ClusterSpec> clusters;
  std::vector<upstream::RouteSpec> routes;
  absl::Duration timeout = absl::Seconds(15);
  absl::Duration drain_grace = absl::Seconds(10);
  int io_threads = 0;
  size_t max_body_bytes = 4 * 1024 * 1024;
  bool verbose = false;
  // Set only through --config.
  std::vector<google::api::HttpRule> http_rules;
  bool grpc_paths = true;
  bool query_plus_as_space = false;
  std::vector<std::string> always_ignored_query_params;
  bool ignore_unknown_query_params = false;  // method_defaults
  std::vector<MethodSetting> methods;
  std::optional<RetrySetting> default_retries;  // method_defaults.retries
  upstream::RetryBudgetOptions retry_budget;    // Config retry_budget.
  config::v1::HeadersConfig headers;
  // admin.listen: the admin endpoints on their own listener (and then not
  // on the public one).
  std::optional<std::string> admin_host;
  uint16_t admin_port = 0;
  transcoding::ParseOptions parse;
  transcoding::PrintOptions print;
  size_t max_header_bytes = 16 * 1024;
  absl::Duration read_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
};

// Parses the arguments after the program name. Accepts `--flag value` and
// `--flag=value`; repeated flags accumulate where documented. With
// `--config FILE` the file is read first (config_flags.h) and the other
// flags override or add to it, wherever they stand. Returns InvalidArgument
// naming the flag for unknown flags, missing or bad values, and no
// descriptor source at all (unless --help); the config file's errors as
// they come.
absl::StatusOr<GatewayFlags> ParseFlags(absl::Span<const char* const> args);

// Sets flags.listen_host/listen_port from "HOST:PORT" ("[::1]:80" too).
// InvalidArgument naming --listen for anything else.
absl::Status ParseListen(absl::string_view value, GatewayFlags& flags);

// The --help text: every flag with its meaning and default.
std::string Usage();

}  // namespace protogate::server
