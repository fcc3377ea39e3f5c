#include "gateway/config/config_validator.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "gateway/config/defaults.h"
#include "gateway/config/validation_checks.h"

namespace protogate::config {
namespace {

void ValidateListeners(const v1::GatewayConfig& config, Problems& problems) {
  const bool listen_ok = config.listen().empty() ||
                         problems.Add(CheckHostPort("listen", config.listen(),
                                                    PortRule::kZeroAllowed));
  const std::string& admin = config.admin().listen();
  if (admin.empty()) return;
  if (!problems.Add(
          CheckHostPort("admin.listen", admin, PortRule::kZeroAllowed)) ||
      !listen_ok) {
    return;
  }
  const std::string& listen =
      config.listen().empty() ? std::string(kDefaultListen) : config.listen();
  if (admin == listen && !admin.ends_with(":0")) {
    problems.Add("admin.listen", "same address as listen");
  }
}

void CheckNonEmptyEntries(
    std::string_view path,
    const google::protobuf::RepeatedPtrField<std::string>& entries,
    Problems& problems) {
  for (int i = 0; i < entries.size(); ++i) {
    if (entries[i].empty()) problems.Add(Index(path, i), "empty");
  }
}

void ValidateDescriptors(const v1::DescriptorSources& d, Problems& problems) {
  CheckNonEmptyEntries("descriptors.descriptor_sets", d.descriptor_sets(),
                       problems);
  CheckNonEmptyEntries("descriptors.protos", d.protos(), problems);
  CheckNonEmptyEntries("descriptors.proto_paths", d.proto_paths(), problems);
  if (!d.protos().empty() && d.proto_paths().empty()) {
    problems.Add("descriptors.proto_paths", "required when protos are given");
  }
  for (int i = 0; i < d.reflection_size(); ++i) {
    const std::string path = Index("descriptors.reflection", i);
    if (d.reflection(i).target().empty()) {
      problems.Add(path + ".target", "empty");
    }
    if (d.reflection(i).refresh_interval().seconds() < 0 ||
        d.reflection(i).refresh_interval().nanos() < 0) {
      problems.Add(path + ".refresh_interval", "negative");
    }
  }
  if (d.watch_interval().seconds() < 0 || d.watch_interval().nanos() < 0) {
    problems.Add("descriptors.watch_interval", "negative");
  }
}

void ValidateRoutes(const v1::GatewayConfig& config, Problems& problems) {
  absl::flat_hash_map<std::string, int> clusters;
  for (int i = 0; i < config.clusters_size(); ++i) {
    clusters.emplace(config.clusters(i).name(), i);
  }
  absl::flat_hash_map<std::string, int> services;
  for (int i = 0; i < config.routes_size(); ++i) {
    const v1::ServiceRoute& route = config.routes(i);
    const std::string path = Index("routes", i);
    if (problems.Add(
            CheckDottedName(Field(path, "service"), route.service()))) {
      auto [it, inserted] = services.emplace(route.service(), i);
      if (!inserted) {
        problems.Add(
            Field(path, "service"),
            absl::StrFormat("duplicate service \"%s\" (also routes[%d])",
                            route.service(), it->second));
      }
    }
    if (!clusters.contains(route.cluster())) {
      problems.Add(Field(path, "cluster"),
                   absl::StrFormat("unknown cluster \"%s\"", route.cluster()));
    }
  }
}

void ValidateMethodSettings(std::string_view path, const v1::MethodSettings& m,
                            Problems& problems) {
  if (m.has_timeout()) {
    problems.Add(CheckDuration(Field(path, "timeout"), m.timeout(),
                               DurationRule::kPositive));
  }
  if (!m.has_retries()) return;
  const std::string retries = Field(path, "retries");
  problems.Add(CheckRange(Field(retries, "max_attempts"),
                          m.retries().max_attempts(), 1, 5));
  if (m.retries().has_initial_backoff()) {
    problems.Add(CheckDuration(Field(retries, "initial_backoff"),
                               m.retries().initial_backoff(),
                               DurationRule::kPositive));
  }
}

void ValidateMethods(const v1::GatewayConfig& config, Problems& problems) {
  if (!config.method_defaults().selector().empty()) {
    problems.Add("method_defaults.selector",
                 "must be empty: defaults apply to every method");
  }
  ValidateMethodSettings("method_defaults", config.method_defaults(), problems);
  absl::flat_hash_map<std::string, int> selectors;
  for (int i = 0; i < config.methods_size(); ++i) {
    const v1::MethodSettings& m = config.methods(i);
    const std::string path = Index("methods", i);
    if (problems.Add(CheckDottedName(Field(path, "selector"), m.selector()))) {
      auto [it, inserted] = selectors.emplace(m.selector(), i);
      if (!inserted) {
        problems.Add(
            Field(path, "selector"),
            absl::StrFormat("duplicate selector \"%s\" (also methods[%d])",
                            m.selector(), it->second));
      }
    }
    ValidateMethodSettings(path, m, problems);
  }
}

void ValidateTranscoding(const v1::TranscodingConfig& t, Problems& problems) {
  problems.Add(
      CheckRange("transcoding.print.indent", t.print().indent(), 0, 8));
  if (t.limits().max_depth() != 0) {
    problems.Add(CheckRange("transcoding.limits.max_depth",
                            t.limits().max_depth(), 1, 1000));
  }
  problems.Add(CheckAtMost("transcoding.limits.max_json_bytes",
                           t.limits().max_json_bytes(), uint64_t{1} << 30));
}

// 0 means the default, so only set values are checked.
void ValidateHttp2(const v1::Http2Config& h, Problems& problems) {
  constexpr int64_t kMaxWindow = (int64_t{1} << 31) - 1;
  problems.Add(CheckAtMost("server.http2.max_concurrent_streams",
                           h.max_concurrent_streams(), uint64_t{10000}));
  if (h.initial_stream_window_bytes() != 0) {
    problems.Add(CheckRange("server.http2.initial_stream_window_bytes",
                            h.initial_stream_window_bytes(), 65535,
                            kMaxWindow));
  }
  if (h.initial_connection_window_bytes() != 0) {
    problems.Add(CheckRange("server.http2.initial_connection_window_bytes",
                            h.initial_connection_window_bytes(), 65535,
                            kMaxWindow));
  }
  problems.Add(CheckAtMost("server.http2.max_header_list_bytes",
                           h.max_header_list_bytes(), uint64_t{1} << 20));
  problems.Add(CheckAtMost("server.http2.max_resets_per_second",
                           h.max_resets_per_second(), uint64_t{100000}));
}

void ValidateServer(const v1::ServerConfig& s, Problems& problems) {
  problems.Add(CheckRange("server.io_threads", s.io_threads(), 0, 1024));
  problems.Add(CheckAtMost("server.max_header_bytes", s.max_header_bytes(),
                           uint64_t{1} << 20));
  problems.Add(CheckAtMost("server.max_body_bytes", s.max_body_bytes(),
                           uint64_t{1} << 30));
  if (s.has_read_timeout()) {
    problems.Add(CheckDuration("server.read_timeout", s.read_timeout(),
                               DurationRule::kPositive));
  }
  if (s.has_idle_timeout()) {
    problems.Add(CheckDuration("server.idle_timeout", s.idle_timeout(),
                               DurationRule::kPositive));
  }
  if (s.has_drain_grace()) {
    problems.Add(CheckDuration("server.drain_grace", s.drain_grace(),
                               DurationRule::kNonNegative));
  }
  ValidateHttp2(s.http2(), problems);
}

// 0 means the default, so only set values are checked.
void ValidateRetryBudget(const v1::RetryBudget& b, Problems& problems) {
  if (b.ratio() != 0) {
    problems.Add(CheckDoubleRange("retry_budget.ratio", b.ratio(), 0, 1));
  }
  if (b.min_per_second() != 0) {
    problems.Add(CheckDoubleRange("retry_budget.min_per_second",
                                  b.min_per_second(), 0, 1000));
  }
  if (b.max_tokens() != 0) {
    problems.Add(
        CheckDoubleRange("retry_budget.max_tokens", b.max_tokens(), 1, 10000));
  }
}

}  // namespace

void ValidateConfig(const v1::GatewayConfig& config, Problems& problems) {
  ValidateListeners(config, problems);
  ValidateDescriptors(config.descriptors(), problems);
  ValidateClusters(config.clusters(), problems);
  ValidateRoutes(config, problems);
  ValidateBackends(config.backends(), problems);
  ValidateMethods(config, problems);
  ValidateHttp(config.http(), problems);
  ValidateTranscoding(config.transcoding(), problems);
  ValidateServer(config.server(), problems);
  problems.Add(ValidateListenerTls(config));
  ValidateRetryBudget(config.retry_budget(), problems);
  ValidateAuth(config, problems);
  ValidateTraffic(config, problems);
  ValidateObservability(config, problems);
  ValidateHeaders(config.headers(), problems);
}

absl::Status ValidateConfig(const v1::GatewayConfig& config) {
  Problems problems;
  ValidateConfig(config, problems);
  return problems.ToStatus();
}

}  // namespace protogate::config
