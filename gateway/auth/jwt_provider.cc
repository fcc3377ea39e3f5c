#include "gateway/auth/jwt_provider.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/jws_verifier.h"
#include "gateway/base/strings.h"

namespace protogate::auth {
namespace {

constexpr int64_t kDefaultSkewSeconds = 60;
constexpr absl::Duration kDefaultJwksRefresh = absl::Seconds(300);

absl::StatusOr<std::string> ReadFile(std::string_view path,
                                     const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) {
    return absl::FailedPreconditionError(
        absl::StrCat(base::ToAbsl(path), ": cannot read file \"", file, "\""));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Duration ToDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Status Unauthenticated(std::string_view message) {
  return absl::UnauthenticatedError(base::ToAbsl(message));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtProvider>> JwtProvider::Create(
    const config::v1::JwtProvider& config, std::string_view path,
    JwksCache& cache) {
  std::unique_ptr<JwtProvider> p(new JwtProvider());
  p->name_ = config.name();
  p->issuer_ = config.issuer();
  p->audiences_.assign(config.audiences().begin(), config.audiences().end());
  if (config.has_clock_skew()) {
    p->skew_seconds_ = config.clock_skew().seconds();
  } else {
    p->skew_seconds_ = kDefaultSkewSeconds;
  }
  p->forward_token_ = config.forward_token();
  for (const auto& [claim, header] : config.forward_claims()) {
    p->forward_claims_.emplace_back(claim, header);
  }
  std::sort(p->forward_claims_.begin(), p->forward_claims_.end());
  if (!config.hmac_secret_file().empty()) {
    absl::StatusOr<std::string> secret =
        ReadFile(absl::StrCat(base::ToAbsl(path), ".hmac_secret_file"),
                 config.hmac_secret_file());
    if (!secret.ok()) return secret.status();
    p->hmac_secret_ = *std::move(secret);
  } else if (!config.jwks_file().empty()) {
    const std::string at = absl::StrCat(base::ToAbsl(path), ".jwks_file");
    absl::StatusOr<std::string> json = ReadFile(at, config.jwks_file());
    if (!json.ok()) return json.status();
    absl::StatusOr<std::shared_ptr<const JwkSet>> keys = ParseJwkSet(*json);
    if (!keys.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat(at, ": ", keys.status().message()));
    }
    p->file_keys_ = *std::move(keys);
  } else {
    p->remote_ = cache.Get({.uri = config.jwks_uri(),
                            .ca_file = config.jwks_ca_file(),
                            .refresh = config.has_jwks_cache()
                                           ? ToDuration(config.jwks_cache())
                                           : kDefaultJwksRefresh});
  }
  return p;
}

absl::Status JwtProvider::VerifySignature(const Jwt& jwt) const {
  if (!hmac_secret_.empty()) {
    if (!IsHmac(jwt.algorithm))
      return Unauthenticated("algorithm not accepted");
    return VerifyHmacSignature(hmac_secret_, jwt)
               ? absl::OkStatus()
               : Unauthenticated("signature invalid");
  }
  if (IsHmac(jwt.algorithm)) return Unauthenticated("algorithm not accepted");
  std::shared_ptr<const JwkSet> keys =
      file_keys_ != nullptr ? file_keys_ : remote_->keys();
  if (keys == nullptr) {
    return absl::UnavailableError("authentication keys are not available");
  }
  bool kid_known = false;
  bool fits = false;
  for (const Jwk& key : keys->keys()) {
    if (!jwt.key_id.empty() && key.key_id() != jwt.key_id) continue;
    kid_known = true;
    if (!key.Fits(jwt.algorithm)) continue;
    fits = true;
    if (VerifyJwsSignature(key, jwt)) return absl::OkStatus();
  }
  if (!kid_known) {
    if (remote_ != nullptr) remote_->RequestRefresh();
    return Unauthenticated("unknown key id");
  }
  return Unauthenticated(fits ? "signature invalid" : "algorithm not accepted");
}

absl::Status JwtProvider::CheckClaims(const JwtClaims& claims,
                                      int64_t now) const {
  if (claims.issuer != issuer_) return Unauthenticated("issuer not accepted");
  if (!claims.expires_at.has_value()) {
    return Unauthenticated("token has no expiry");
  }
  if (now > *claims.expires_at + skew_seconds_) {
    return Unauthenticated("token expired");
  }
  if (claims.not_before.has_value() &&
      now + skew_seconds_ < *claims.not_before) {
    return Unauthenticated("token not yet valid");
  }
  if (claims.issued_at.has_value() && *claims.issued_at > now + skew_seconds_) {
    return Unauthenticated("token issued in the future");
  }
  if (audiences_.empty()) return absl::OkStatus();
  for (const std::string& aud : claims.audiences) {
    if (std::find(audiences_.begin(), audiences_.end(), aud) !=
        audiences_.end()) {
      return absl::OkStatus();
    }
  }
  return Unauthenticated("audience not accepted");
}

absl::StatusOr<VerifiedToken> JwtProvider::Verify(const Jwt& jwt,
                                                  absl::Time now) const {
  if (absl::Status s = VerifySignature(jwt); !s.ok()) return s;
  if (absl::Status s = CheckClaims(jwt.claims, absl::ToUnixSeconds(now));
      !s.ok()) {
    return s;
  }
  VerifiedToken token;
  token.valid_until = *jwt.claims.expires_at + skew_seconds_;
  token.subject = jwt.claims.subject;
  token.scopes = jwt.claims.scopes;
  token.claims = jwt.claims.text;
  for (const auto& [claim, header] : forward_claims_) {
    for (const auto& [name, value] : jwt.claims.text) {
      if (name == claim) token.forwarded.emplace_back(header, value);
    }
  }
  return token;
}

}  // namespace protogate::auth
