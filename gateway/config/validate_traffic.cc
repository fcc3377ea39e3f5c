// ValidateTraffic: the `rate_limits` and `cors` parts of ValidateConfig.
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

constexpr int64_t kSecondsPerDay = 86400;

bool IsPolicyNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

absl::Status CheckPolicyName(std::string_view path, std::string_view name) {
  if (name.empty()) return ConfigPathError(path, "empty policy name");
  for (char c : name) {
    if (!IsPolicyNameChar(c)) {
      return ConfigPathError(path,
                             absl::StrFormat("\"%s\" has characters other than "
                                             "[A-Za-z0-9_.-]",
                                             ToAbsl(name)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKey(std::string_view path, std::string_view key) {
  if (key.empty() || key == "client_ip" || key == "api_key" || key == "route") {
    return absl::OkStatus();
  }
  if (absl::StartsWith(ToAbsl(key), "header:")) {
    return CheckHeaderName(path, key.substr(7));
  }
  if (absl::StartsWith(ToAbsl(key), "jwt_claim:")) {
    if (key.size() > 10) return absl::OkStatus();
    return ConfigPathError(path, "jwt_claim: needs a claim name");
  }
  return ConfigPathError(
      path, absl::StrFormat("unknown key \"%s\" (client_ip, header:NAME, "
                            "jwt_claim:NAME, api_key, route or \"\")",
                            ToAbsl(key)));
}

// At most `max_seconds`; `rule` as CheckDuration.
absl::Status CheckDurationAtMost(std::string_view path,
                                 const google::protobuf::Duration& d,
                                 DurationRule rule, int64_t max_seconds) {
  PG_RETURN_IF_ERROR(CheckDuration(path, d, rule));
  if (d.seconds() > max_seconds ||
      (d.seconds() == max_seconds && d.nanos() > 0)) {
    return ConfigPathError(path,
                           absl::StrFormat("must be at most %ds", max_seconds));
  }
  return absl::OkStatus();
}

void CheckPolicy(std::string_view path, const v1::RateLimitPolicy& policy,
                 Problems& problems) {
  problems.Add(CheckPolicyName(Field(path, "name"), policy.name()));
  if (!policy.selector().empty()) {
    problems.Add(CheckDottedName(Field(path, "selector"), policy.selector()));
  }
  problems.Add(CheckKey(Field(path, "key"), policy.key()));
  if (policy.requests() == 0) {
    problems.Add(Field(path, "requests"), "must be positive");
  } else {
    problems.Add(
        CheckAtMost(Field(path, "requests"), policy.requests(), 1000000000));
  }
  if (!policy.has_per()) {
    problems.Add(Field(path, "per"), "must be positive");
  } else {
    problems.Add(CheckDurationAtMost(Field(path, "per"), policy.per(),
                                     DurationRule::kPositive, kSecondsPerDay));
  }
  if (policy.burst() > 1000000) {
    problems.Add(
        Field(path, "burst"),
        absl::StrFormat("%d is out of range (1 to 1000000)", policy.burst()));
  }
  if (policy.max_keys() != 0) {
    problems.Add(
        CheckRange(Field(path, "max_keys"), policy.max_keys(), 16, 1 << 22));
  }
}

void CheckRedis(const v1::RedisConfig& redis, Problems& problems) {
  const std::string& address = redis.address();
  if (absl::StartsWith(address, "unix:///")) {
    if (address.size() == 8) {
      problems.Add("rate_limits.redis.address", "empty socket path");
    }
  } else {
    problems.Add(CheckHostPort("rate_limits.redis.address", address,
                               PortRule::kNonZero));
  }
  if (redis.has_timeout()) {
    problems.Add(CheckDurationAtMost("rate_limits.redis.timeout",
                                     redis.timeout(), DurationRule::kPositive,
                                     10));
  }
  if (!redis.on_error().empty() && redis.on_error() != "allow" &&
      redis.on_error() != "deny") {
    problems.Add(
        "rate_limits.redis.on_error",
        absl::StrFormat("\"%s\" is not allow or deny", redis.on_error()));
  }
}

void ValidateRateLimits(const v1::RateLimits& limits, Problems& problems) {
  absl::flat_hash_map<std::string, int> names;
  bool shared = false;
  for (int i = 0; i < limits.policies_size(); ++i) {
    const v1::RateLimitPolicy& policy = limits.policies(i);
    const std::string path = Index("rate_limits.policies", i);
    CheckPolicy(path, policy, problems);
    auto [it, inserted] = names.emplace(policy.name(), i);
    if (!inserted && !policy.name().empty()) {
      problems.Add(
          Field(path, "name"),
          absl::StrFormat("duplicate policy \"%s\" (also policies[%d])",
                          policy.name(), it->second));
    }
    shared = shared || policy.shared();
  }
  problems.Add(CheckRange("rate_limits.client_ip.trusted_hops",
                          limits.client_ip().trusted_hops(), 0, 10));
  if (!limits.has_redis()) {
    if (shared) {
      problems.Add("rate_limits.redis", "required by the shared policies");
    }
    return;
  }
  if (!shared) {
    problems.Add("rate_limits.redis", "set, but no policy is shared");
    return;
  }
  CheckRedis(limits.redis(), problems);
}

absl::Status CheckOrigin(std::string_view path, std::string_view origin,
                         bool credentials) {
  if (origin == "*") {
    if (!credentials) return absl::OkStatus();
    return ConfigPathError(path, "\"*\" is not allowed with allow_credentials");
  }
  const size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0 ||
      origin.size() == scheme_end + 3 || origin.back() == '/') {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" is not an origin (scheme://host[:port])",
                              ToAbsl(origin)));
  }
  std::string_view host = origin.substr(scheme_end + 3);
  const size_t star = origin.find('*');
  if (star != std::string_view::npos &&
      (star != scheme_end + 3 || host.size() < 3 || host[1] != '.' ||
       host.find('*', 1) != std::string_view::npos)) {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\": a wildcard must be the whole first "
                              "label (scheme://*.domain)",
                              ToAbsl(origin)));
  }
  return absl::OkStatus();
}

void ValidateCors(std::string_view path, const v1::CorsPolicy& cors,
                  Problems& problems) {
  const std::string origins = Field(path, "allow_origins");
  for (int i = 0; i < cors.allow_origins_size(); ++i) {
    problems.Add(CheckOrigin(Index(origins, i), cors.allow_origins(i),
                             cors.allow_credentials()));
  }
  const std::string headers = Field(path, "allow_headers");
  for (int i = 0; i < cors.allow_headers_size(); ++i) {
    problems.Add(CheckHeaderName(Index(headers, i), cors.allow_headers(i)));
  }
  const std::string exposed = Field(path, "expose_headers");
  for (int i = 0; i < cors.expose_headers_size(); ++i) {
    problems.Add(CheckHeaderName(Index(exposed, i), cors.expose_headers(i)));
  }
  if (cors.has_max_age()) {
    problems.Add(CheckDurationAtMost(Field(path, "max_age"), cors.max_age(),
                                     DurationRule::kNonNegative,
                                     kSecondsPerDay));
  }
}

}  // namespace

void ValidateTraffic(const v1::GatewayConfig& config, Problems& problems) {
  ValidateRateLimits(config.rate_limits(), problems);
  ValidateCors("cors", config.cors(), problems);
  if (config.method_defaults().has_cors()) {
    problems.Add("method_defaults.cors", "not allowed: use the top-level cors");
  }
  for (int i = 0; i < config.methods_size(); ++i) {
    if (!config.methods(i).has_cors()) continue;
    ValidateCors(Field(Index("methods", i), "cors"), config.methods(i).cors(),
                 problems);
  }
}

}  // namespace protogate::config
