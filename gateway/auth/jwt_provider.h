// JwtProvider: one `auth.jwt_providers` entry, ready to verify tokens: its
// keys (a JWK set from a file, the shared RemoteJwks of its jwks_uri, or an
// HMAC secret), issuer, audiences, clock skew and forwarded claims.
//
// Verify checks, in this order: the algorithm fits the provider (HS* only
// with an HMAC secret; never with a JWK), a key with the token's `kid`
// (any fitting key when the token has none) and a signature that it
// verifies, then `iss`, `exp` (required), `nbf`, `iat` and `aud` with the
// clock skew. An unknown `kid` asks the RemoteJwks for a refresh.
//
// Thread safety: immutable after Create; Verify is safe concurrently.
// Ownership: built per snapshot; shares its RemoteJwks with the JwksCache.
//
// Example:
//   PG_ASSIGN_OR_RETURN(auto provider, JwtProvider::Create(config, path,
//                                                          cache));
//   absl::StatusOr<VerifiedToken> v = provider->Verify(jwt, absl::Now());
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/jwks_cache.h"
#include "gateway/auth/jwt.h"
#include "protogate/config/v1/config.pb.h"

namespace protogate::auth {

// What a verified credential gives the request.
struct VerifiedToken {
  int64_t valid_until = 0;  // Unix seconds: `exp` + clock skew.
  std::string subject;
  std::vector<std::string> scopes;
  std::vector<std::pair<std::string, std::string>> claims;
  // Metadata sent upstream (forward_claims / forward_as).
  std::vector<std::pair<std::string, std::string>> forwarded;
};

class JwtProvider {
 public:
  // FailedPrecondition naming `path` (e.g. "auth.jwt_providers[0]") when a
  // key or secret file cannot be read or parsed. REQUIRES: `config` passed
  // ValidateConfig.
  static absl::StatusOr<std::unique_ptr<JwtProvider>> Create(
      const config::v1::JwtProvider& config, std::string_view path,
      JwksCache& cache);

  const std::string& name() const { return name_; }
  const std::string& issuer() const { return issuer_; }
  bool forward_token() const { return forward_token_; }
  // The metadata names this provider forwards.
  const std::vector<std::pair<std::string, std::string>>& forward_claims()
      const {
    return forward_claims_;
  }
  // The remote key source, or null for file and HMAC keys.
  const std::shared_ptr<RemoteJwks>& remote() const { return remote_; }

  // The verified token. Unauthenticated with a client-safe message ("token
  // expired", "signature invalid", "unknown key id", ...) when it does not
  // verify; Unavailable when the provider's keys were never fetched.
  absl::StatusOr<VerifiedToken> Verify(const Jwt& jwt, absl::Time now) const;

 private:
  JwtProvider() = default;
  absl::Status VerifySignature(const Jwt& jwt) const;
  absl::Status CheckClaims(const JwtClaims& claims, int64_t now) const;

  std::string name_;
  std::string issuer_;
  std::vector<std::string> audiences_;
  int64_t skew_seconds_ = 60;
  bool forward_token_ = false;
  std::vector<std::pair<std::string, std::string>> forward_claims_;
  std::string hmac_secret_;                  // Set: HS* only.
  std::shared_ptr<const JwkSet> file_keys_;  // From jwks_file.
  std::shared_ptr<RemoteJwks> remote_;       // From jwks_uri.
};

}  // namespace protogate::auth
