// ParseJwt: splits and decodes a JWS compact serialization (RFC 7515) that
// carries JWT claims (RFC 7519), without verifying anything. The result
// says which algorithm and key the token claims to use, the bytes the
// signature covers, the signature, and the claims the gateway checks.
//
// Rejected (InvalidArgument with a message fit for clients, naming only the
// kind of problem): more than kMaxTokenBytes, not three base64url parts
// (padding, other characters, an empty signature), a header or payload that
// is not a JSON object, an `alg` other than those of JwsAlgorithm (so
// "none"), a `crit` header, registered claims of the wrong JSON type.
//
// Thread safety: stateless. Ownership: a Jwt owns its decoded parts;
// `signing_input` is a view into the token passed to ParseJwt.
//
// Example:
//   PG_ASSIGN_OR_RETURN(Jwt jwt, ParseJwt(token));
//   if (jwt.algorithm == JwsAlgorithm::kEs256) ...
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace protogate::auth {

// Longer tokens are refused before any decoding.
inline constexpr size_t kMaxTokenBytes = 8192;

// The JWS algorithms of RFC 7518 (and RFC 8037's EdDSA) the gateway knows.
enum class JwsAlgorithm {
  kRs256,
  kRs384,
  kRs512,  // RSASSA-PKCS1-v1_5
  kPs256,
  kPs384,
  kPs512,  // RSASSA-PSS
  kEs256,
  kEs384,
  kEs512,  // ECDSA, raw r||s signatures
  kEdDsa,  // Ed25519
  kHs256,
  kHs384,
  kHs512,  // HMAC (only with a configured secret)
};

// The algorithm named `name` ("RS256"), or nullopt ("none", unknown).
std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name);
std::string_view JwsAlgorithmName(JwsAlgorithm algorithm);
bool IsHmac(JwsAlgorithm algorithm);

// The claims of a token the gateway checks or forwards.
struct JwtClaims {
  std::string issuer;                  // `iss`, empty if absent.
  std::string subject;                 // `sub`, empty if absent.
  std::vector<std::string> audiences;  // `aud` (string or array).
  std::optional<int64_t> expires_at;   // `exp`, Unix seconds (floor).
  std::optional<int64_t> not_before;   // `nbf`.
  std::optional<int64_t> issued_at;    // `iat`.
  std::vector<std::string> scopes;     // `scope` split on spaces + `scp`.
  // Every top-level claim as text: strings as they are, other values as
  // compact JSON.
  std::vector<std::pair<std::string, std::string>> text;
};

struct Jwt {
  JwsAlgorithm algorithm = JwsAlgorithm::kRs256;
  std::string key_id;              // Header `kid`, empty if absent.
  std::string_view signing_input;  // "<header>.<payload>" of the token.
  std::string signature;           // Decoded signature bytes.
  JwtClaims claims;
};

// InvalidArgument as described above.
absl::StatusOr<Jwt> ParseJwt(std::string_view token);

// Decodes unpadded base64url (RFC 7515 section 2); nullopt for any other
// character, padding or an impossible length.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace protogate::auth
