// ValidateAuth: the `auth` part of ValidateConfig, with the `auth` rules of
// `method_defaults` and `methods`.
#include <string>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
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

bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

// Unique among providers and keys, [A-Za-z0-9_.-]+.
absl::Status CheckCredentialName(
    std::string_view path, const std::string& name,
    absl::flat_hash_map<std::string, std::string>& seen) {
  const std::string at = Field(path, "name");
  if (name.empty()) return ConfigPathError(at, "required");
  if (!absl::c_all_of(name, IsNameChar)) {
    return ConfigPathError(
        at, absl::StrFormat("\"%s\" has characters other than [A-Za-z0-9_.-]",
                            name));
  }
  auto [it, inserted] = seen.emplace(name, std::string(path));
  if (!inserted) {
    return ConfigPathError(
        at,
        absl::StrFormat("duplicate name \"%s\" (also %s)", name, it->second));
  }
  return absl::OkStatus();
}

// A lower-case metadata name the gateway may set upstream.
absl::Status CheckMetadataName(std::string_view path, const std::string& name) {
  PG_RETURN_IF_ERROR(CheckHeaderName(path, name));
  if (name != absl::AsciiStrToLower(name)) {
    return ConfigPathError(path,
                           absl::StrFormat("\"%s\" is not lower-case", name));
  }
  if (absl::StartsWith(name, "grpc-") || name == "authorization" ||
      absl::EndsWith(name, "-bin") || name == "x-request-id") {
    return ConfigPathError(
        path, absl::StrFormat("\"%s\" cannot carry an identity", name));
  }
  return absl::OkStatus();
}

absl::Status CheckKeySource(std::string_view path, const v1::JwtProvider& p) {
  const int sources = !p.jwks_uri().empty() + !p.jwks_file().empty() +
                      !p.hmac_secret_file().empty();
  if (sources != 1) {
    return ConfigPathError(
        path, "exactly one of jwks_uri, jwks_file and hmac_secret_file");
  }
  if (!p.jwks_uri().empty() && !absl::StartsWith(p.jwks_uri(), "https://")) {
    return ConfigPathError(Field(path, "jwks_uri"), "must be an https:// URL");
  }
  if (!p.jwks_ca_file().empty()) {
    if (p.jwks_uri().empty()) {
      return ConfigPathError(Field(path, "jwks_ca_file"), "only with jwks_uri");
    }
    PG_RETURN_IF_ERROR(
        CheckReadableFile(Field(path, "jwks_ca_file"), p.jwks_ca_file()));
  }
  if (!p.jwks_file().empty()) {
    PG_RETURN_IF_ERROR(
        CheckReadableFile(Field(path, "jwks_file"), p.jwks_file()));
  }
  if (!p.hmac_secret_file().empty()) {
    PG_RETURN_IF_ERROR(CheckReadableFile(Field(path, "hmac_secret_file"),
                                         p.hmac_secret_file()));
  }
  return absl::OkStatus();
}

void CheckProvider(std::string_view path, const v1::JwtProvider& p,
                   absl::flat_hash_map<std::string, int>& issuers, int index,
                   Problems& problems) {
  if (p.issuer().empty()) {
    problems.Add(Field(path, "issuer"), "required");
  } else if (auto [it, inserted] = issuers.emplace(p.issuer(), index);
             !inserted) {
    problems.Add(
        Field(path, "issuer"),
        absl::StrFormat("duplicate issuer \"%s\" (also jwt_providers[%d])",
                        p.issuer(), it->second));
  }
  for (int i = 0; i < p.audiences_size(); ++i) {
    if (p.audiences(i).empty()) {
      problems.Add(Index(Field(path, "audiences"), i), "empty");
    }
  }
  problems.Add(CheckKeySource(path, p));
  if (p.has_jwks_cache() &&
      problems.Add(CheckDuration(Field(path, "jwks_cache"), p.jwks_cache(),
                                 DurationRule::kPositive)) &&
      p.jwks_cache().seconds() < 1) {
    problems.Add(Field(path, "jwks_cache"), "at least 1s");
  }
  if (p.has_clock_skew() &&
      problems.Add(CheckDuration(Field(path, "clock_skew"), p.clock_skew(),
                                 DurationRule::kNonNegative))) {
    problems.Add(CheckRange(Field(path, "clock_skew"), p.clock_skew().seconds(),
                            0, 600));
  }
  for (const auto& [claim, header] : p.forward_claims()) {
    const std::string at =
        absl::StrFormat("%s.forward_claims.%s", ToAbsl(path), claim);
    if (claim.empty()) {
      problems.Add(at, "empty claim name");
      continue;
    }
    problems.Add(CheckMetadataName(at, header));
  }
}

absl::Status CheckApiKey(std::string_view path, const v1::ApiKey& k) {
  if (k.sha256().size() != 64 || !absl::c_all_of(k.sha256(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return ConfigPathError(Field(path, "sha256"), "must be 64 hex digits");
  }
  if (!k.header().empty()) {
    PG_RETURN_IF_ERROR(CheckHeaderName(Field(path, "header"), k.header()));
    if (absl::EqualsIgnoreCase(k.header(), "authorization")) {
      return ConfigPathError(Field(path, "header"),
                             "authorization carries bearer tokens");
    }
  }
  for (const auto& [header, value] : k.forward_as()) {
    const std::string at =
        absl::StrFormat("%s.forward_as.%s", ToAbsl(path), header);
    PG_RETURN_IF_ERROR(CheckMetadataName(at, header));
    if (!absl::c_all_of(value, [](char c) { return c >= 0x20 && c < 0x7f; })) {
      return ConfigPathError(at, "value must be printable ASCII");
    }
  }
  for (int i = 0; i < k.scopes_size(); ++i) {
    if (k.scopes(i).empty()) {
      return ConfigPathError(Index(Field(path, "scopes"), i), "empty");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckMethodAuth(
    std::string_view path, const v1::MethodAuth& a,
    const absl::flat_hash_map<std::string, std::string>& names) {
  const std::string auth = Field(path, "auth");
  if (names.empty() && !a.allow_anonymous()) {
    return ConfigPathError(auth, "no credential is configured in auth");
  }
  for (int i = 0; i < a.require_any_size(); ++i) {
    if (!names.contains(a.require_any(i))) {
      return ConfigPathError(
          Index(Field(auth, "require_any"), i),
          absl::StrFormat("unknown credential \"%s\"", a.require_any(i)));
    }
  }
  for (int i = 0; i < a.scopes_size(); ++i) {
    const std::string& scope = a.scopes(i);
    if (scope.empty() || !absl::c_all_of(scope, [](char c) {
          return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
        })) {
      return ConfigPathError(Index(Field(auth, "scopes"), i),
                             "not a scope token (RFC 6749 3.3)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

void ValidateAuth(const v1::GatewayConfig& config, Problems& problems) {
  absl::flat_hash_map<std::string, std::string> names;
  absl::flat_hash_map<std::string, int> issuers;
  const v1::AuthConfig& auth = config.auth();
  for (int i = 0; i < auth.jwt_providers_size(); ++i) {
    const std::string path = Index("auth.jwt_providers", i);
    problems.Add(
        CheckCredentialName(path, auth.jwt_providers(i).name(), names));
    CheckProvider(path, auth.jwt_providers(i), issuers, i, problems);
  }
  for (int i = 0; i < auth.api_keys_size(); ++i) {
    const std::string path = Index("auth.api_keys", i);
    problems.Add(CheckCredentialName(path, auth.api_keys(i).name(), names));
    problems.Add(CheckApiKey(path, auth.api_keys(i)));
  }
  if (config.method_defaults().has_auth()) {
    problems.Add(CheckMethodAuth("method_defaults",
                                 config.method_defaults().auth(), names));
  }
  for (int i = 0; i < config.methods_size(); ++i) {
    if (config.methods(i).has_auth()) {
      problems.Add(CheckMethodAuth(Index("methods", i),
                                   config.methods(i).auth(), names));
    }
  }
}

}  // namespace protogate::config
