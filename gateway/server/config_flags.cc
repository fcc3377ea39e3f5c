#include "gateway/server/config_flags.h"

#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/config_loader.h"
#include "gateway/server/cluster_config.h"

namespace protogate::server {
namespace {

using config::v1::GatewayConfig;
using config::v1::MethodSettings;

using config::ToDuration;

std::optional<RetrySetting> ToRetrySetting(const MethodSettings& m) {
  if (!m.has_retries()) return std::nullopt;
  RetrySetting retries{
      .max_attempts = static_cast<int>(m.retries().max_attempts()),
      .idempotent_only = m.retries().idempotent_only()};
  if (m.retries().has_initial_backoff()) {
    retries.initial_backoff = ToDuration(m.retries().initial_backoff());
  }
  return retries;
}

absl::Status ApplyAdmin(const config::v1::AdminConfig& admin,
                        GatewayFlags& flags) {
  if (admin.listen().empty()) return absl::OkStatus();
  GatewayFlags parsed;
  PG_RETURN_IF_ERROR(ParseListen(admin.listen(), parsed));
  flags.admin_host = parsed.listen_host;
  flags.admin_port = parsed.listen_port;
  return absl::OkStatus();
}

void ApplyHttp(const config::v1::HttpConfig& http, GatewayFlags& flags) {
  flags.http_rules.assign(http.rules().begin(), http.rules().end());
  flags.grpc_paths = !http.has_grpc_paths() || http.grpc_paths();
  flags.query_plus_as_space = http.query_plus_as_space();
  flags.always_ignored_query_params.assign(
      http.always_ignored_query_params().begin(),
      http.always_ignored_query_params().end());
}

void ApplyReflection(const config::v1::DescriptorSources& d,
                     GatewayFlags& flags) {
  flags.reflection.clear();
  for (const config::v1::ReflectionSource& r : d.reflection()) {
    ReflectionSourceSpec& source = flags.reflection.emplace_back();
    source.target = r.target();
    if (r.has_refresh_interval()) {
      source.refresh_interval = ToDuration(r.refresh_interval());
    }
  }
  if (d.has_watch_interval()) {
    flags.watch_interval = ToDuration(d.watch_interval());
  }
}

void ApplyMethods(const GatewayConfig& c, GatewayFlags& flags) {
  if (c.method_defaults().has_timeout()) {
    flags.timeout = ToDuration(c.method_defaults().timeout());
  }
  flags.ignore_unknown_query_params =
      c.method_defaults().ignore_unknown_query_params();
  flags.default_retries = ToRetrySetting(c.method_defaults());
  for (const MethodSettings& m : c.methods()) {
    flags.methods.push_back(
        {.selector = m.selector(),
         .timeout =
             m.has_timeout() ? ToDuration(m.timeout()) : absl::ZeroDuration(),
         .ignore_unknown_query_params = m.ignore_unknown_query_params(),
         .retries = ToRetrySetting(m)});
  }
}

void ApplyRetryBudget(const config::v1::RetryBudget& b, GatewayFlags& flags) {
  if (b.ratio() != 0) flags.retry_budget.ratio = b.ratio();
  if (b.min_per_second() != 0) {
    flags.retry_budget.min_per_second = b.min_per_second();
  }
  if (b.max_tokens() != 0) flags.retry_budget.max_tokens = b.max_tokens();
}

void ApplyTranscoding(const config::v1::TranscodingConfig& t,
                      GatewayFlags& flags) {
  flags.print.emit_unpopulated = t.print().emit_unpopulated();
  flags.print.enums_as_ints = t.print().enums_as_ints();
  flags.print.proto_field_names = t.print().proto_field_names();
  flags.print.indent = static_cast<int>(t.print().indent());
  flags.parse.ignore_unknown_fields = t.parse().ignore_unknown_fields();
  flags.parse.case_insensitive_enums = t.parse().case_insensitive_enums();
  if (t.limits().max_depth() > 0) {
    flags.parse.max_depth = static_cast<int>(t.limits().max_depth());
  }
  if (t.limits().max_json_bytes() > 0) {
    flags.parse.max_input_bytes = t.limits().max_json_bytes();
  }
}

void ApplyServer(const config::v1::ServerConfig& s, GatewayFlags& flags) {
  if (s.io_threads() > 0) flags.io_threads = static_cast<int>(s.io_threads());
  if (s.max_header_bytes() > 0) flags.max_header_bytes = s.max_header_bytes();
  if (s.max_body_bytes() > 0) flags.max_body_bytes = s.max_body_bytes();
  if (s.has_read_timeout()) flags.read_timeout = ToDuration(s.read_timeout());
  if (s.has_idle_timeout()) flags.idle_timeout = ToDuration(s.idle_timeout());
  if (s.has_drain_grace()) flags.drain_grace = ToDuration(s.drain_grace());
}

}  // namespace

absl::Status ApplyConfigFile(const std::string& path, GatewayFlags& flags) {
  PG_ASSIGN_OR_RETURN(GatewayConfig config,
                      config::LoadValidatedConfigFile(path));
  absl::Status status = ApplyConfig(config, flags);
  if (!status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(path, ": ", status.message()));
  }
  return absl::OkStatus();
}

absl::Status ApplyConfig(const GatewayConfig& c, GatewayFlags& flags) {
  flags.config = c;
  if (!c.listen().empty()) PG_RETURN_IF_ERROR(ParseListen(c.listen(), flags));
  flags.descriptor_sets.assign(c.descriptors().descriptor_sets().begin(),
                               c.descriptors().descriptor_sets().end());
  flags.protos.assign(c.descriptors().protos().begin(),
                      c.descriptors().protos().end());
  flags.proto_paths.assign(c.descriptors().proto_paths().begin(),
                           c.descriptors().proto_paths().end());
  ApplyReflection(c.descriptors(), flags);
  flags.clusters = ClustersFromConfig(c.clusters());
  flags.routes = RoutesFromConfig(c.routes());
  ApplyMethods(c, flags);
  ApplyHttp(c.http(), flags);
  ApplyTranscoding(c.transcoding(), flags);
  ApplyServer(c.server(), flags);
  PG_RETURN_IF_ERROR(ApplyAdmin(c.admin(), flags));
  flags.headers = c.headers();
  ApplyRetryBudget(c.retry_budget(), flags);
  flags.verbose = c.logging().log_requests();
  return absl::OkStatus();
}

}  // namespace protogate::server
