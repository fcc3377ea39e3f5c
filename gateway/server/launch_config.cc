#include "gateway/server/launch_config.h"

#include <string>

#include "gateway/base/cpu_budget.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/defaults.h"
#include "gateway/tls/server_context.h"

namespace protogate::server {
namespace {

using config::ToDuration;
using config::v1::GatewayConfig;

transcoding::PrintOptions PrintOptionsFrom(const config::v1::PrintOptions& p) {
  transcoding::PrintOptions print;
  print.emit_unpopulated = p.emit_unpopulated();
  print.enums_as_ints = p.enums_as_ints();
  print.proto_field_names = p.proto_field_names();
  print.indent = static_cast<int>(p.indent());
  return print;
}

transcoding::ParseOptions ParseOptionsFrom(
    const config::v1::TranscodingConfig& t) {
  transcoding::ParseOptions parse;
  parse.ignore_unknown_fields = t.parse().ignore_unknown_fields();
  parse.case_insensitive_enums = t.parse().case_insensitive_enums();
  if (t.limits().max_depth() > 0) {
    parse.max_depth = static_cast<int>(t.limits().max_depth());
  }
  if (t.limits().max_json_bytes() > 0) {
    parse.max_input_bytes = t.limits().max_json_bytes();
  }
  return parse;
}

}  // namespace

// 0 keeps each default.
void SetHttp2Options(const config::v1::Http2Config& h2,
                     http::Http2Options& options) {
  if (h2.max_concurrent_streams() > 0) {
    options.max_concurrent_streams = h2.max_concurrent_streams();
  }
  if (h2.initial_stream_window_bytes() > 0) {
    options.initial_stream_window_bytes = h2.initial_stream_window_bytes();
  }
  if (h2.initial_connection_window_bytes() > 0) {
    options.initial_connection_window_bytes =
        h2.initial_connection_window_bytes();
  }
  options.max_header_list_bytes = h2.max_header_list_bytes();
  if (h2.max_resets_per_second() > 0) {
    options.resets_per_second = h2.max_resets_per_second();
    options.reset_burst = 2 * h2.max_resets_per_second();
  }
}

absl::StatusOr<http::ServerOptions> ListenerOptions(
    const GatewayConfig& config) {
  PG_ASSIGN_OR_RETURN(
      ListenAddress listen,
      ParseListen(config.listen().empty() ? std::string(config::kDefaultListen)
                                          : config.listen(),
                  "listen"));
  http::ServerOptions options;
  options.host = listen.host;
  options.port = listen.port;
  const config::v1::ServerConfig& s = config.server();
  options.io_threads = s.io_threads() > 0 ? static_cast<int>(s.io_threads())
                                          : base::ReadCpuBudget().UsableCpus();
  if (s.max_header_bytes() > 0) options.max_header_bytes = s.max_header_bytes();
  if (s.max_body_bytes() > 0) options.max_body_bytes = s.max_body_bytes();
  if (s.has_read_timeout()) options.read_timeout = ToDuration(s.read_timeout());
  if (s.has_idle_timeout()) options.idle_timeout = ToDuration(s.idle_timeout());
  if (s.has_tls_handshake_timeout()) {
    options.tls_handshake_timeout = ToDuration(s.tls_handshake_timeout());
  }
  if (config.has_tls()) {
    PG_ASSIGN_OR_RETURN(tls::MinVersion min_version,
                        tls::ParseMinVersion(config.tls().min_version()));
    PG_ASSIGN_OR_RETURN(options.tls,
                        http::TlsContextStore::Create(
                            {.cert_file = config.tls().cert_file(),
                             .key_file = config.tls().key_file(),
                             .client_ca_file = config.tls().client_ca_file(),
                             .min_version = min_version,
                             .alpn = tls::AlpnProtocols::kH2AndHttp11}));
  }
  SetHttp2Options(s.http2(), options.http2);
  return options;
}

std::vector<std::string> TlsFiles(const GatewayConfig& config) {
  std::vector<std::string> files;
  for (const std::string& file :
       {config.tls().cert_file(), config.tls().key_file(),
        config.tls().client_ca_file()}) {
    if (!file.empty()) files.push_back(file);
  }
  return files;
}

absl::StatusOr<std::optional<ListenAddress>> AdminAddress(
    const GatewayConfig& config) {
  if (config.admin().listen().empty()) return std::nullopt;
  PG_ASSIGN_OR_RETURN(ListenAddress admin,
                      ParseListen(config.admin().listen(), "admin.listen"));
  return admin;
}

absl::Duration DrainGrace(const GatewayConfig& config) {
  return config.server().has_drain_grace()
             ? ToDuration(config.server().drain_grace())
             : config::kDefaultDrainGrace;
}

GatewayOptions GatewayOptionsFrom(const GatewayConfig& config) {
  return {.log_requests = config.logging().log_requests(),
          .admin = config.admin().listen().empty()
                       ? AdminEndpoints::kPublicListener
                       : AdminEndpoints::kSeparateListener,
          .parse = ParseOptionsFrom(config.transcoding()),
          .print = PrintOptionsFrom(config.transcoding().print())};
}

std::vector<ReflectionSourceSpec> ReflectionSources(
    const GatewayConfig& config) {
  std::vector<ReflectionSourceSpec> sources;
  for (const config::v1::ReflectionSource& r :
       config.descriptors().reflection()) {
    sources.push_back(
        {.target = r.target(),
         .refresh_interval = r.has_refresh_interval()
                                 ? ToDuration(r.refresh_interval())
                                 : config::kDefaultReflectionRefresh});
  }
  return sources;
}

absl::Duration WatchInterval(const GatewayConfig& config) {
  return config.descriptors().has_watch_interval()
             ? ToDuration(config.descriptors().watch_interval())
             : config::kDefaultWatchInterval;
}

}  // namespace protogate::server
