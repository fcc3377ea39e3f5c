// JwkSet: the public keys of a JWK set (RFC 7517) as OpenSSL EVP_PKEYs,
// parsed once when the set is loaded or fetched.
//
// Keys used: `kty` RSA (n, e; at least 2048 bits), EC (crv P-256, P-384,
// P-521; x, y of at most the curve's size, shorter ones zero-padded; the
// point is checked to be on the curve) and OKP (crv Ed25519; x). Keys with
// `use` other than "sig", with `key_ops` that lack "verify", of other types
// (oct: secrets never come from a JWK set), with an `alg` their type cannot
// do, or that do not parse are skipped.
//
// Thread safety: immutable after ParseJwkSet; shared between threads.
// Ownership: a Jwk owns its EVP_PKEY.
//
// Example:
//   PG_ASSIGN_OR_RETURN(std::shared_ptr<const JwkSet> keys,
//                       ParseJwkSet(json));
//   for (const Jwk& key : keys->keys()) { if (key.Fits(alg)) ... }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gateway/auth/jwt.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace protogate::auth {

// The largest JWK set accepted, in bytes and in keys.
inline constexpr size_t kMaxJwkSetBytes = 1 << 20;
inline constexpr size_t kMaxJwkSetKeys = 100;

enum class KeyType { kRsa, kEcP256, kEcP384, kEcP521, kEd25519 };

class Jwk {
 public:
  Jwk(KeyType type, std::string key_id, std::optional<JwsAlgorithm> algorithm,
      EVP_PKEY* key);
  ~Jwk();
  Jwk(Jwk&& other) noexcept;
  Jwk& operator=(Jwk&&) = delete;
  Jwk(const Jwk&) = delete;

  KeyType type() const { return type_; }
  const std::string& key_id() const { return key_id_; }
  EVP_PKEY* key() const { return key_; }
  // Whether a signature of `algorithm` may be checked with this key: the
  // key type fits the algorithm (RS/PS: RSA, ES256: P-256, ES384: P-384,
  // ES512: P-521, EdDSA: Ed25519; never an HMAC algorithm) and the JWK's
  // `alg`, when given, is the same.
  bool Fits(JwsAlgorithm algorithm) const;

 private:
  KeyType type_;
  std::string key_id_;
  std::optional<JwsAlgorithm> algorithm_;
  EVP_PKEY* key_;
};

class JwkSet {
 public:
  explicit JwkSet(std::vector<Jwk> keys) : keys_(std::move(keys)) {}
  const std::vector<Jwk>& keys() const { return keys_; }

 private:
  std::vector<Jwk> keys_;
};

// InvalidArgument when `json` is not a JSON object with a `keys` array,
// is larger than kMaxJwkSetBytes, has more than kMaxJwkSetKeys keys, or
// has no usable key.
absl::StatusOr<std::shared_ptr<const JwkSet>> ParseJwkSet(
    std::string_view json);

}  // namespace protogate::auth
