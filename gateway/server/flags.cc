#include "gateway/server/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"

namespace protogate::server {
namespace {

using config::v1::GatewayConfig;

absl::Status BadValue(absl::string_view flag, absl::string_view value,
                      absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat("flag --", flag, ": invalid value \"", value,
                   "\" (expected ", expected, ")"));
}

void SetDuration(absl::Duration value, google::protobuf::Duration& out) {
  out.set_seconds(absl::ToInt64Seconds(value));
  out.set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(value - absl::Seconds(out.seconds()))));
}

absl::Status ApplyBackend(absl::string_view value, GatewayConfig& config) {
  size_t eq = value.find('=');
  if (eq == absl::string_view::npos || eq == 0 || eq + 1 == value.size()) {
    return BadValue("backend", value,
                    "NAME=TARGET, e.g. pkg.Service=host:port");
  }
  config::v1::Backend& backend = *config.add_backends();
  backend.set_service(std::string(value.substr(0, eq)));
  backend.set_target(std::string(value.substr(eq + 1)));
  // The same rules as the config file's `backends` and cluster endpoints.
  google::protobuf::RepeatedPtrField<config::v1::Backend> one;
  *one.Add() = backend;
  if (absl::Status s = config::ValidateBackends(one); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("flag --backend: invalid value \"", value,
                     "\": ", absl::StripPrefix(s.message(), "backends[0].")));
  }
  return absl::OkStatus();
}

// A positive duration (`allow_zero`: or 0, for "never").
absl::Status ApplyDuration(absl::string_view flag, absl::string_view value,
                           bool allow_zero, google::protobuf::Duration& out) {
  absl::Duration d;
  const bool ok =
      absl::ParseDuration(value, &d) && d != absl::InfiniteDuration() &&
      (d > absl::ZeroDuration() || (allow_zero && d == absl::ZeroDuration()));
  if (!ok) {
    return BadValue(flag, value,
                    allow_zero ? "a duration such as 30s, or 0 for never"
                               : "a positive duration such as 15s or 500ms");
  }
  SetDuration(d, out);
  return absl::OkStatus();
}

absl::Status ApplyCount(absl::string_view flag, absl::string_view value,
                        uint64_t min, uint64_t max, uint64_t& out) {
  if (!absl::SimpleAtoi(value, &out) || out < min || out > max) {
    return BadValue(flag, value,
                    max == UINT64_MAX
                        ? std::string("a positive integer")
                        : absl::StrCat("an integer in ", min, "..", max));
  }
  return absl::OkStatus();
}

// The flags that add to a list of descriptor sources.
bool ApplyDescriptorSource(absl::string_view name, absl::string_view value,
                           GatewayConfig& config) {
  config::v1::DescriptorSources& d = *config.mutable_descriptors();
  if (name == "descriptor_set") {
    d.add_descriptor_sets(std::string(value));
  } else if (name == "proto") {
    d.add_protos(std::string(value));
  } else if (name == "proto_path") {
    d.add_proto_paths(std::string(value));
  } else if (name == "reflection") {
    d.add_reflection()->set_target(std::string(value));
  } else {
    return false;
  }
  return true;
}

// Applies one flag with its value onto the config. `reflection_refresh`
// collects --reflection_refresh, which applies to the --reflection sources
// wherever it stands.
absl::Status Apply(absl::string_view name, absl::string_view value,
                   GatewayConfig& config,
                   google::protobuf::Duration& reflection_refresh) {
  if (name == "config") return absl::OkStatus();  // Read first.
  if (ApplyDescriptorSource(name, value, config)) return absl::OkStatus();
  if (name == "listen") {
    PG_RETURN_IF_ERROR(ParseListen(value, "--listen").status());
    config.set_listen(std::string(value));
    return absl::OkStatus();
  }
  if (name == "backend") return ApplyBackend(value, config);
  if (name == "reflection_refresh") {
    return ApplyDuration(name, value, true, reflection_refresh);
  }
  if (name == "watch_interval") {
    return ApplyDuration(
        name, value, true,
        *config.mutable_descriptors()->mutable_watch_interval());
  }
  if (name == "timeout") {
    return ApplyDuration(name, value, false,
                         *config.mutable_method_defaults()->mutable_timeout());
  }
  if (name == "tls_cert") {
    config.mutable_tls()->set_cert_file(std::string(value));
    return absl::OkStatus();
  }
  if (name == "tls_key") {
    config.mutable_tls()->set_key_file(std::string(value));
    return absl::OkStatus();
  }
  config::v1::ServerConfig& server = *config.mutable_server();
  if (name == "drain_grace") {
    return ApplyDuration(name, value, false, *server.mutable_drain_grace());
  }
  uint64_t count = 0;
  if (name == "io_threads") {
    PG_RETURN_IF_ERROR(ApplyCount(name, value, 0, 256, count));
    server.set_io_threads(static_cast<uint32_t>(count));
    return absl::OkStatus();
  }
  if (name == "max_body_bytes") {
    PG_RETURN_IF_ERROR(ApplyCount(name, value, 1, UINT64_MAX, count));
    server.set_max_body_bytes(count);
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

// Splits "--name=value" / "--name value" at args[*i]; advances *i past a
// separate value.
absl::Status SplitFlag(absl::Span<const char* const> args, size_t* i,
                       absl::string_view* name, absl::string_view* value) {
  absl::string_view arg = args[*i];
  if (!absl::ConsumePrefix(&arg, "--") || arg.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument \"", args[*i], "\" (flags start with --)"));
  }
  *name = arg;
  if (size_t eq = arg.find('='); eq != absl::string_view::npos) {
    *name = arg.substr(0, eq);
    *value = arg.substr(eq + 1);
  } else if (*i + 1 < args.size()) {
    *value = args[++*i];
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("flag --", *name, " needs a value"));
  }
  return absl::OkStatus();
}

absl::Status ApplyFlags(absl::Span<const char* const> args,
                        GatewayFlags& flags) {
  const int config_sources = flags.config.descriptors().reflection_size();
  google::protobuf::Duration reflection_refresh;
  bool refresh_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return absl::OkStatus();
    }
    if (arg == "--verbose") {
      flags.config.mutable_logging()->set_log_requests(true);
      continue;
    }
    if (arg == "--validate") {
      flags.validate = true;
      continue;
    }
    absl::string_view name, value;
    PG_RETURN_IF_ERROR(SplitFlag(args, &i, &name, &value));
    PG_RETURN_IF_ERROR(Apply(name, value, flags.config, reflection_refresh));
    refresh_given |= name == "reflection_refresh";
  }
  auto& reflection = *flags.config.mutable_descriptors()->mutable_reflection();
  for (int i = config_sources; refresh_given && i < reflection.size(); ++i) {
    *reflection[i].mutable_refresh_interval() = reflection_refresh;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ListenAddress> ParseListen(absl::string_view value,
                                          absl::string_view flag) {
  absl::string_view name = absl::StripPrefix(flag, "--");
  size_t colon = value.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return BadValue(name, value, "HOST:PORT");
  }
  absl::string_view host = value.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return BadValue(name, value, "HOST:PORT");
  }
  uint32_t port;
  if (host.empty() || !absl::SimpleAtoi(value.substr(colon + 1), &port) ||
      port > 65535) {
    return BadValue(name, value, "HOST:PORT with PORT in 0..65535");
  }
  return ListenAddress{.host = std::string(host),
                       .port = static_cast<uint16_t>(port)};
}

absl::StatusOr<GatewayFlags> ParseFlags(absl::Span<const char* const> args) {
  GatewayFlags flags;
  PG_ASSIGN_OR_RETURN(flags.config_file, FindConfigFile(args));
  if (!flags.config_file.empty()) {
    PG_ASSIGN_OR_RETURN(flags.config,
                        config::LoadValidatedConfigFile(flags.config_file));
  }
  PG_RETURN_IF_ERROR(ApplyFlags(args, flags));
  if (flags.help) return flags;
  // --tls_cert/--tls_key may complete or replace the file's `tls`.
  if (absl::Status s = config::ValidateListenerTls(flags.config); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("flags --tls_cert/--tls_key: ", s.message()));
  }
  const config::v1::DescriptorSources& d = flags.config.descriptors();
  if (d.descriptor_sets().empty() && d.protos().empty() &&
      d.reflection().empty()) {
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
  --tls_cert FILE          Serve HTTPS: the PEM certificate chain (config
                           tls.cert_file); needs --tls_key (or tls.key_file).
  --tls_key FILE           The PEM private key of --tls_cert (tls.key_file).
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
