// ValidateClusters: the `clusters` part of ValidateConfig.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "gateway/base/status_macros.h"
#include "gateway/base/strings.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/validation_checks.h"

namespace protogate::config {
namespace {

using ::protogate::base::ToAbsl;

constexpr int64_t kMaxMessageBytes = 2147483647;

bool IsClusterNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

absl::Status CheckClusterName(std::string_view path, std::string_view name) {
  if (name.empty()) return ConfigPathError(path, "empty cluster name");
  for (char c : name) {
    if (!IsClusterNameChar(c)) {
      return ConfigPathError(path,
                             absl::StrFormat("\"%s\" has characters other than "
                                             "[A-Za-z0-9_.-]",
                                             ToAbsl(name)));
    }
  }
  return absl::OkStatus();
}

// One "dns:///host:port" or "unix:///path" target, or host:port addresses.
void CheckEndpoints(std::string_view path, const v1::Cluster& c,
                    Problems& problems) {
  const std::string endpoints = Field(path, "endpoints");
  if (c.endpoints().empty()) {
    problems.Add(endpoints, "at least one endpoint is required");
    return;
  }
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < c.endpoints_size(); ++i) {
    const std::string& e = c.endpoints(i);
    const std::string at = Index(endpoints, i);
    auto [it, inserted] = seen.emplace(e, i);
    if (!inserted) {
      problems.Add(
          at, absl::StrFormat("duplicate endpoint \"%s\" (also endpoints[%d])",
                              e, it->second));
      continue;
    }
    const bool scheme =
        absl::StartsWith(e, "dns:///") || absl::StartsWith(e, "unix:///");
    if (scheme && c.endpoints_size() > 1) {
      problems.Add(at,
                   absl::StrFormat("\"%s\" is a target with a scheme: it must "
                                   "be the cluster's only endpoint",
                                   e));
      continue;
    }
    problems.Add(ValidateTarget(at, e));
  }
}

void CheckConnection(std::string_view path, const v1::Cluster& c,
                     Problems& problems) {
  if (c.has_connect_timeout()) {
    problems.Add(CheckDuration(Field(path, "connect_timeout"),
                               c.connect_timeout(), DurationRule::kPositive));
  }
  const std::string keepalive = Field(path, "keepalive");
  if (c.keepalive().has_time()) {
    problems.Add(CheckDuration(Field(keepalive, "time"), c.keepalive().time(),
                               DurationRule::kPositive));
  }
  if (c.keepalive().has_timeout()) {
    problems.Add(CheckDuration(Field(keepalive, "timeout"),
                               c.keepalive().timeout(),
                               DurationRule::kPositive));
  }
  if (c.max_send_message_bytes() != 0) {
    problems.Add(CheckRange(Field(path, "max_send_message_bytes"),
                            c.max_send_message_bytes(), 1, kMaxMessageBytes));
  }
  if (c.max_receive_message_bytes() != 0) {
    problems.Add(CheckRange(Field(path, "max_receive_message_bytes"),
                            c.max_receive_message_bytes(), 1,
                            kMaxMessageBytes));
  }
  if (!v1::Cluster::LbPolicy_IsValid(c.lb_policy())) {
    problems.Add(
        Field(path, "lb_policy"),
        absl::StrFormat("unknown policy %d", static_cast<int>(c.lb_policy())));
  }
}

void CheckSecurity(std::string_view path, const v1::Cluster& c,
                   Problems& problems) {
  if (c.has_plaintext() && !c.plaintext()) {
    problems.Add(Field(path, "plaintext"),
                 "must be true when given (set tls for TLS)");
  }
  if (!c.has_tls()) return;
  const std::string tls = Field(path, "tls");
  const v1::TlsConfig& t = c.tls();
  if (t.cert_file().empty() != t.key_file().empty()) {
    problems.Add(tls, "cert_file and key_file go together");
    return;
  }
  if (!t.ca_file().empty()) {
    problems.Add(CheckReadableFile(Field(tls, "ca_file"), t.ca_file()));
  }
  if (!t.cert_file().empty()) {
    problems.Add(CheckReadableFile(Field(tls, "cert_file"), t.cert_file()));
    problems.Add(CheckReadableFile(Field(tls, "key_file"), t.key_file()));
  }
}

absl::Status CheckHealth(std::string_view path, const v1::Cluster& c) {
  if (!c.has_health_check()) return absl::OkStatus();
  const std::string hc = Field(path, "health_check");
  const v1::HealthCheck& h = c.health_check();
  PG_RETURN_IF_ERROR(CheckDuration(Field(hc, "interval"), h.interval(),
                                   DurationRule::kPositive));
  PG_RETURN_IF_ERROR(CheckDuration(Field(hc, "timeout"), h.timeout(),
                                   DurationRule::kPositive));
  const auto longer = [](const google::protobuf::Duration& a,
                         const google::protobuf::Duration& b) {
    return a.seconds() != b.seconds() ? a.seconds() > b.seconds()
                                      : a.nanos() > b.nanos();
  };
  if (longer(h.timeout(), h.interval())) {
    return ConfigPathError(Field(hc, "timeout"), "longer than interval");
  }
  // 0 (unset) takes the default (see config.proto).
  if (h.unhealthy_threshold() != 0) {
    PG_RETURN_IF_ERROR(CheckRange(Field(hc, "unhealthy_threshold"),
                                  h.unhealthy_threshold(), 1, 100));
  }
  if (h.healthy_threshold() == 0) return absl::OkStatus();
  return CheckRange(Field(hc, "healthy_threshold"), h.healthy_threshold(), 1,
                    100);
}

void ValidateCluster(std::string_view path, const v1::Cluster& c,
                     Problems& problems) {
  problems.Add(CheckClusterName(Field(path, "name"), c.name()));
  CheckEndpoints(path, c, problems);
  CheckConnection(path, c, problems);
  CheckSecurity(path, c, problems);
  problems.Add(CheckHealth(path, c));
}

}  // namespace

absl::Status ValidateTarget(std::string_view path, std::string_view target) {
  if (target.starts_with("dns:///")) {
    return CheckHostPort(path, target.substr(7), PortRule::kNonZero);
  }
  if (target.starts_with("unix:///")) {
    if (target.size() == 8) return ConfigPathError(path, "empty socket path");
    return absl::OkStatus();
  }
  return CheckHostPort(path, target, PortRule::kNonZero);
}

void ValidateBackends(
    const google::protobuf::RepeatedPtrField<v1::Backend>& backends,
    Problems& problems) {
  absl::flat_hash_map<std::string, int> services;
  for (int i = 0; i < backends.size(); ++i) {
    const std::string path = Index("backends", i);
    problems.Add(
        CheckDottedName(Field(path, "service"), backends[i].service()));
    problems.Add(ValidateTarget(Field(path, "target"), backends[i].target()));
    auto [it, inserted] = services.emplace(backends[i].service(), i);
    if (!inserted) {
      problems.Add(
          Field(path, "service"),
          absl::StrFormat("duplicate backend \"%s\" (also backends[%d])",
                          backends[i].service(), it->second));
    }
  }
}

absl::Status ValidateBackends(
    const google::protobuf::RepeatedPtrField<v1::Backend>& backends) {
  Problems problems;
  ValidateBackends(backends, problems);
  return problems.ToStatus();
}

void ValidateClusters(
    const google::protobuf::RepeatedPtrField<v1::Cluster>& clusters,
    Problems& problems) {
  absl::flat_hash_map<std::string, int> names;
  for (int i = 0; i < clusters.size(); ++i) {
    const std::string path = Index("clusters", i);
    ValidateCluster(path, clusters[i], problems);
    if (clusters[i].name().empty()) continue;  // Reported as empty.
    auto [it, inserted] = names.emplace(clusters[i].name(), i);
    if (!inserted) {
      problems.Add(
          Field(path, "name"),
          absl::StrFormat("duplicate cluster \"%s\" (also clusters[%d])",
                          clusters[i].name(), it->second));
    }
  }
}

}  // namespace protogate::config
