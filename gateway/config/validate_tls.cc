// Validation of `tls` (the listener's TLS) and server.tls_handshake_timeout.

#include "absl/strings/str_cat.h"
#include "gateway/base/header_names.h"
#include "gateway/base/status_macros.h"
#include "gateway/config/config_validator.h"
#include "gateway/config/validation_checks.h"
#include "gateway/tls/server_context.h"

namespace protogate::config {
namespace {

absl::Status ValidateTlsFields(const v1::ListenerTls& t) {
  if (t.cert_file().empty() != t.key_file().empty()) {
    return t.cert_file().empty()
               ? ConfigPathError("tls.cert_file", "required with key_file")
               : ConfigPathError("tls.key_file", "required with cert_file");
  }
  if (t.cert_file().empty()) {
    return ConfigPathError("tls.cert_file", "required when tls is set");
  }
  if (absl::StatusOr<tls::MinVersion> v = tls::ParseMinVersion(t.min_version());
      !v.ok()) {
    return ConfigPathError(
        "tls.min_version",
        absl::StrCat("\"", t.min_version(), "\" is not \"1.2\" or \"1.3\""));
  }
  const std::string& key = t.client_subject_metadata();
  if (key.empty()) return absl::OkStatus();
  if (t.client_ca_file().empty()) {
    return ConfigPathError("tls.client_subject_metadata",
                           "only with client_ca_file");
  }
  if (!base::IsMetadataKey(key) || key.ends_with("-bin") ||
      !base::ForbiddenHeaderReason(key).empty()) {
    return ConfigPathError(
        "tls.client_subject_metadata",
        absl::StrCat("\"", key,
                     "\" is not a lower-case text metadata key a client "
                     "header could carry"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateListenerTls(const v1::GatewayConfig& config) {
  if (config.server().has_tls_handshake_timeout()) {
    PG_RETURN_IF_ERROR(CheckDuration("server.tls_handshake_timeout",
                                     config.server().tls_handshake_timeout(),
                                     DurationRule::kPositive));
  }
  if (!config.has_tls()) return absl::OkStatus();
  const v1::ListenerTls& t = config.tls();
  PG_RETURN_IF_ERROR(ValidateTlsFields(t));
  // Loads the files as the listener will: readable, PEM, key matches.
  absl::StatusOr<tls::SslCtxPtr> context =
      tls::BuildServerContext({.cert_file = t.cert_file(),
                               .key_file = t.key_file(),
                               .client_ca_file = t.client_ca_file()});
  if (!context.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("tls.", context.status().message()));
  }
  return absl::OkStatus();
}

}  // namespace protogate::config
