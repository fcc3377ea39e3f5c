#include "gateway/config/config_validator.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/defaults.h"
#include "gateway/config/validation_checks.h"

namespace protogate::config {
namespace {

absl::Status ValidateListeners(const v1::GatewayConfig& config) {
  if (!config.listen().empty()) {
    PG_RETURN_IF_ERROR(
        CheckHostPort("listen", config.listen(), PortRule::kZeroAllowed));
  }
  const std::string& admin = config.admin().listen();
  if (admin.empty()) return absl::OkStatus();
  PG_RETURN_IF_ERROR(
      CheckHostPort("admin.listen", admin, PortRule::kZeroAllowed));
  const std::string& listen =
      config.listen().empty() ? std::string(kDefaultListen) : config.listen();
  if (admin == listen && !admin.ends_with(":0")) {
    return ConfigPathError("admin.listen", "same address as listen");
  }
  return absl::OkStatus();
}

absl::Status CheckNonEmptyEntries(
    std::string_view path,
    const google::protobuf::RepeatedPtrField<std::string>& entries) {
  for (int i = 0; i < entries.size(); ++i) {
    if (entries[i].empty()) return ConfigPathError(Index(path, i), "empty");
  }
  return absl::OkStatus();
}

absl::Status ValidateDescriptors(const v1::DescriptorSources& d) {
  PG_RETURN_IF_ERROR(
      CheckNonEmptyEntries("descriptors.descriptor_sets", d.descriptor_sets()));
  PG_RETURN_IF_ERROR(CheckNonEmptyEntries("descriptors.protos", d.protos()));
  PG_RETURN_IF_ERROR(
      CheckNonEmptyEntries("descriptors.proto_paths", d.proto_paths()));
  if (!d.protos().empty() && d.proto_paths().empty()) {
    return ConfigPathError("descriptors.proto_paths",
                           "required when protos are given");
  }
  for (int i = 0; i < d.reflection_size(); ++i) {
    const std::string path = Index("descriptors.reflection", i);
    if (d.reflection(i).target().empty()) {
      return ConfigPathError(path + ".target", "empty");
    }
    if (d.reflection(i).refresh_interval().seconds() < 0 ||
        d.reflection(i).refresh_interval().nanos() < 0) {
      return ConfigPathError(path + ".refresh_interval", "negative");
    }
  }
  if (d.watch_interval().seconds() < 0 || d.watch_interval().nanos() < 0) {
    return ConfigPathError("descriptors.watch_interval", "negative");
  }
  return absl::OkStatus();
}

absl::Status ValidateRoutes(const v1::GatewayConfig& config) {
  absl::flat_hash_map<std::string, int> clusters;
  for (int i = 0; i < config.clusters_size(); ++i) {
    clusters.emplace(config.clusters(i).name(), i);
  }
  absl::flat_hash_map<std::string, int> services;
  for (int i = 0; i < config.routes_size(); ++i) {
    const v1::ServiceRoute& route = config.routes(i);
    const std::string path = Index("routes", i);
    PG_RETURN_IF_ERROR(
        CheckDottedName(Field(path, "service"), route.service()));
    auto [it, inserted] = services.emplace(route.service(), i);
    if (!inserted) {
      return ConfigPathError(
          Field(path, "service"),
          absl::StrFormat("duplicate service \"%s\" (also routes[%d])",
                          route.service(), it->second));
    }
    if (!clusters.contains(route.cluster())) {
      return ConfigPathError(
          Field(path, "cluster"),
          absl::StrFormat("unknown cluster \"%s\"", route.cluster()));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateMethodSettings(std::string_view path,
                                    const v1::MethodSettings& m) {
  if (m.has_timeout()) {
    PG_RETURN_IF_ERROR(CheckDuration(Field(path, "timeout"), m.timeout(),
                                     DurationRule::kPositive));
  }
  if (!m.has_retries()) return absl::OkStatus();
  const std::string retries = Field(path, "retries");
  PG_RETURN_IF_ERROR(CheckRange(Field(retries, "max_attempts"),
                                m.retries().max_attempts(), 1, 5));
  if (m.retries().has_initial_backoff()) {
    PG_RETURN_IF_ERROR(CheckDuration(Field(retries, "initial_backoff"),
                                     m.retries().initial_backoff(),
                                     DurationRule::kPositive));
  }
  return absl::OkStatus();
}

absl::Status ValidateMethods(const v1::GatewayConfig& config) {
  if (!config.method_defaults().selector().empty()) {
    return ConfigPathError("method_defaults.selector",
                           "must be empty: defaults apply to every method");
  }
  PG_RETURN_IF_ERROR(
      ValidateMethodSettings("method_defaults", config.method_defaults()));
  absl::flat_hash_map<std::string, int> selectors;
  for (int i = 0; i < config.methods_size(); ++i) {
    const v1::MethodSettings& m = config.methods(i);
    const std::string path = Index("methods", i);
    PG_RETURN_IF_ERROR(CheckDottedName(Field(path, "selector"), m.selector()));
    auto [it, inserted] = selectors.emplace(m.selector(), i);
    if (!inserted) {
      return ConfigPathError(
          Field(path, "selector"),
          absl::StrFormat("duplicate selector \"%s\" (also methods[%d])",
                          m.selector(), it->second));
    }
    PG_RETURN_IF_ERROR(ValidateMethodSettings(path, m));
  }
  return absl::OkStatus();
}

absl::Status ValidateTranscoding(const v1::TranscodingConfig& t) {
  PG_RETURN_IF_ERROR(
      CheckRange("transcoding.print.indent", t.print().indent(), 0, 8));
  if (t.limits().max_depth() != 0) {
    PG_RETURN_IF_ERROR(CheckRange("transcoding.limits.max_depth",
                                  t.limits().max_depth(), 1, 1000));
  }
  return CheckAtMost("transcoding.limits.max_json_bytes",
                     t.limits().max_json_bytes(), uint64_t{1} << 30);
}

// 0 means the default, so only set values are checked.
absl::Status ValidateHttp2(const v1::Http2Config& h) {
  constexpr int64_t kMaxWindow = (int64_t{1} << 31) - 1;
  PG_RETURN_IF_ERROR(CheckAtMost("server.http2.max_concurrent_streams",
                                 h.max_concurrent_streams(), uint64_t{10000}));
  if (h.initial_stream_window_bytes() != 0) {
    PG_RETURN_IF_ERROR(CheckRange("server.http2.initial_stream_window_bytes",
                                  h.initial_stream_window_bytes(), 65535,
                                  kMaxWindow));
  }
  if (h.initial_connection_window_bytes() != 0) {
    PG_RETURN_IF_ERROR(
        CheckRange("server.http2.initial_connection_window_bytes",
                   h.initial_connection_window_bytes(), 65535, kMaxWindow));
  }
  PG_RETURN_IF_ERROR(CheckAtMost("server.http2.max_header_list_bytes",
                                 h.max_header_list_bytes(), uint64_t{1} << 20));
  return CheckAtMost("server.http2.max_resets_per_second",
                     h.max_resets_per_second(), uint64_t{100000});
}

absl::Status ValidateServer(const v1::ServerConfig& s) {
  PG_RETURN_IF_ERROR(CheckRange("server.io_threads", s.io_threads(), 0, 1024));
  PG_RETURN_IF_ERROR(CheckAtMost("server.max_header_bytes",
                                 s.max_header_bytes(), uint64_t{1} << 20));
  PG_RETURN_IF_ERROR(CheckAtMost("server.max_body_bytes", s.max_body_bytes(),
                                 uint64_t{1} << 30));
  if (s.has_read_timeout()) {
    PG_RETURN_IF_ERROR(CheckDuration("server.read_timeout", s.read_timeout(),
                                     DurationRule::kPositive));
  }
  if (s.has_idle_timeout()) {
    PG_RETURN_IF_ERROR(CheckDuration("server.idle_timeout", s.idle_timeout(),
                                     DurationRule::kPositive));
  }
  if (s.has_drain_grace()) {
    PG_RETURN_IF_ERROR(CheckDuration("server.drain_grace", s.drain_grace(),
                                     DurationRule::kNonNegative));
  }
  return ValidateHttp2(s.http2());
}

// 0 means the default, so only set values are checked.
absl::Status ValidateRetryBudget(const v1::RetryBudget& b) {
  if (b.ratio() != 0) {
    PG_RETURN_IF_ERROR(CheckDoubleRange("retry_budget.ratio", b.ratio(), 0, 1));
  }
  if (b.min_per_second() != 0) {
    PG_RETURN_IF_ERROR(CheckDoubleRange("retry_budget.min_per_second",
                                        b.min_per_second(), 0, 1000));
  }
  if (b.max_tokens() != 0) {
    PG_RETURN_IF_ERROR(
        CheckDoubleRange("retry_budget.max_tokens", b.max_tokens(), 1, 10000));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateConfig(const v1::GatewayConfig& config) {
  PG_RETURN_IF_ERROR(ValidateListeners(config));
  PG_RETURN_IF_ERROR(ValidateDescriptors(config.descriptors()));
  PG_RETURN_IF_ERROR(ValidateClusters(config.clusters()));
  PG_RETURN_IF_ERROR(ValidateRoutes(config));
  PG_RETURN_IF_ERROR(ValidateBackends(config.backends()));
  PG_RETURN_IF_ERROR(ValidateMethods(config));
  PG_RETURN_IF_ERROR(ValidateHttp(config.http()));
  PG_RETURN_IF_ERROR(ValidateTranscoding(config.transcoding()));
  PG_RETURN_IF_ERROR(ValidateServer(config.server()));
  PG_RETURN_IF_ERROR(ValidateRetryBudget(config.retry_budget()));
  PG_RETURN_IF_ERROR(ValidateAuth(config));
  PG_RETURN_IF_ERROR(ValidateTraffic(config));
  PG_RETURN_IF_ERROR(ValidateObservability(config));
  return ValidateHeaders(config.headers());
}

}  // namespace protogate::config
