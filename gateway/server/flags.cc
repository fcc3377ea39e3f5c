#include "gateway/server/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/base/status_macros.h"
#include "gateway/server/config_flags.h"

namespace protogate::server {
namespace {

absl::Status BadValue(absl::string_view flag, absl::string_view value,
                      absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("flag --", flag, ": invalid value \"", value,
                   "\" (expected ", expected, ")"));
}

}  // namespace

absl::Status ParseListen(absl::string_view value, GatewayFlags& flags) {
  size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return BadValue("listen", value, "HOST:PORT");
  }
  absl::string_view host = value.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return BadValue("listen", value, "HOST:PORT");
  }
  uint32_t port;
  if (host.empty() || !absl::SimpleAtoi(value.substr(colon + 1), &port) ||
      port > 65535) {
    return BadValue("listen", value, "HOST:PORT with PORT in 0..65535");
  }
  flags.listen_host = std::string(host);
  flags.listen_port = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

namespace {

absl::Status ParseBackend(absl::string_view value, GatewayFlags& flags) {
  size_t eq = value.find('=');
  if (eq == absl::string_view::npos || eq == 0 || eq + 1 == value.size()) {
    return BadValue("backend", value,
                    "NAME=TARGET, e.g. pkg.Service=host:port");
  }
  flags.backends.push_back({.name = std::string(value.substr(0, eq)),
                            .target = std::string(value.substr(eq + 1))});
  return absl::OkStatus();
}

absl::Status ParseDurationFlag(absl::string_view flag, absl::string_view value,
                               absl::Duration& out) {
  if (!absl::ParseDuration(value, &out) || out <= absl::ZeroDuration()) {
    return BadValue(flag, value, "a positive duration such as 15s or 500ms");
  }
  return absl::OkStatus();
}

absl::Status ParseDurationOrZero(absl::string_view flag,
                                 absl::string_view value, absl::Duration& out) {
  if (!absl::ParseDuration(value, &out) || out < absl::ZeroDuration() ||
      out == absl::InfiniteDuration()) {
    return BadValue(flag, value, "a duration such as 30s, or 0 for never");
  }
  return absl::OkStatus();
}

// Applies one flag with its value.
absl::Status Apply(absl::string_view name, absl::string_view value,
                   GatewayFlags& flags) {
  if (name == "config") return absl::OkStatus();  // Read first.
  if (name == "listen") return ParseListen(value, flags);
  if (name == "descriptor_set") {
    flags.descriptor_sets.emplace_back(value);
    return absl::OkStatus();
  }
  if (name == "proto") {
    flags.protos.emplace_back(value);
    return absl::OkStatus();
  }
  if (name == "proto_path") {
    flags.proto_paths.emplace_back(value);
    return absl::OkStatus();
  }
  if (name == "reflection") {
    // The refresh interval is --reflection_refresh's, wherever it stands.
    flags.reflection.push_back({.target = std::string(value),
                                .refresh_interval = absl::InfiniteDuration()});
    return absl::OkStatus();
  }
  if (name == "reflection_refresh") {
    return ParseDurationOrZero(name, value, flags.reflection_refresh);
  }
  if (name == "watch_interval") {
    return ParseDurationOrZero(name, value, flags.watch_interval);
  }
  if (name == "backend") return ParseBackend(value, flags);
  if (name == "timeout") return ParseDurationFlag(name, value, flags.timeout);
  if (name == "drain_grace") {
    return ParseDurationFlag(name, value, flags.drain_grace);
  }
  if (name == "io_threads") {
    if (!absl::SimpleAtoi(value, &flags.io_threads) || flags.io_threads < 0 ||
        flags.io_threads > 256) {
      return BadValue(name, value, "an integer in 0..256");
    }
    return absl::OkStatus();
  }
  if (name == "max_body_bytes") {
    if (!absl::SimpleAtoi(value, &flags.max_body_bytes) ||
        flags.max_body_bytes == 0) {
      return BadValue(name, value, "a positive integer");
    }
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown flag --", name, " (see --help)"));
}

// The value of the first --config flag, or "".
absl::StatusOr<std::string> FindConfigFile(absl::Span<const char* const> args) {
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (absl::ConsumePrefix(&arg, "--config=")) return std::string(arg);
    if (arg == "--config") {
      if (i + 1 == args.size()) {
        return absl::InvalidArgumentError("flag --config needs a value");
      }
      return std::string(args[i + 1]);
    }
  }
  return std::string();
}

}  // namespace

absl::StatusOr<GatewayFlags> ParseFlags(absl::Span<const char* const> args) {
  GatewayFlags flags;
  PG_ASSIGN_OR_RETURN(flags.config_file, FindConfigFile(args));
  if (!flags.config_file.empty()) {
    PG_RETURN_IF_ERROR(ApplyConfigFile(flags.config_file, flags));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg == "--verbose") {
      flags.verbose = true;
      continue;
    }
    if (arg == "--validate") {
      flags.validate = true;
      continue;
    }
    if (!absl::ConsumePrefix(&arg, "--") || arg.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument \"", args[i], "\" (flags start with --)"));
    }
    absl::string_view name = arg;
    absl::string_view value;
    if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", name, " needs a value"));
    }
    PG_RETURN_IF_ERROR(Apply(name, value, flags));
  }
  for (ReflectionSourceSpec& source : flags.reflection) {
    if (source.refresh_interval == absl::InfiniteDuration()) {
      source.refresh_interval = flags.reflection_refresh;
    }
  }
  if (flags.descriptor_sets.empty() && flags.protos.empty() &&
      flags.reflection.empty()) {
    return absl::InvalidArgumentError(
        "flag --descriptor_set, --proto or --reflection is required (see "
        "--help)");
  }
  return flags;
}

std::string Usage() {
  return R"(protogate: a REST/JSON to gRPC transcoding gateway.

Usage:
  protogate --listen HOST:PORT --descriptor_set FILE [--descriptor_set FILE...]
            --backend NAME=TARGET [--backend NAME=TARGET...] [options]

Flags:
  --config FILE            A YAML or JSON config file
                           (protogate.config.v1.GatewayConfig; see README);
                           the other flags override or add to it.
  --listen HOST:PORT       Address to serve HTTP on (default 127.0.0.1:8080;
                           port 0 picks a free port, printed at start-up).
  --descriptor_set FILE    A FileDescriptorSet made with
                           `protoc --include_imports --descriptor_set_out=FILE`.
                           Repeatable; every service in the sets is served.
  --proto FILE             A .proto file compiled at start-up, named relative
                           to a --proto_path (like protoc). Repeatable; its
                           services are served. google/api, google/rpc,
                           google/protobuf and protogate/aggregator imports
                           are built in.
  --proto_path DIR         An import directory for --proto (like protoc -I).
                           Repeatable; default: the current directory.
  --reflection TARGET      A gRPC server whose services are read through
                           server reflection (grpc.reflection.v1, else
                           v1alpha) and served, with calls going to TARGET
                           unless a --backend names them. Repeatable.
  --reflection_refresh DURATION
                           How often --reflection sources are read again; a
                           change rebuilds the routes (default 30s; 0: never).
  --watch_interval DURATION
                           How often the config file, descriptor sets and
                           .proto files are checked for changes, which reload
                           them like SIGHUP (default 1s; 0: never).
  --backend NAME=TARGET    Send calls of services named NAME (a fully-qualified
                           service name or a package prefix; the longest match
                           wins) to the gRPC TARGET (`host:port`,
                           `dns:///host:port`, `unix:///path`). Repeatable;
                           every served service needs one (or a route
                           in --config).
  --timeout DURATION       Deadline of each upstream call (default 15s).
  --drain_grace DURATION   On SIGTERM/SIGINT, time given to in-flight requests
                           before connections are closed (default 10s).
  --io_threads N           HTTP I/O threads (default 0: one per CPU the
                           process may use: its affinity mask, lowered to
                           its cgroup CPU quota).
  --max_body_bytes N       Largest accepted request body (default 4194304).
  --verbose                Log every request.
  --validate               Load the configuration as a start would (reading
                           reflection sources, calling no other backend,
                           binding no port), print one line per service it
                           would serve or each problem, exit 0 or 1.
  --help                   Print this text.

Admin endpoints: GET /-/healthz, GET /-/readyz, GET /-/routes, GET /-/openapi.json.
)";
}

}  // namespace protogate::server
