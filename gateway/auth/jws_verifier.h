// VerifyJwsSignature / VerifyHmacSignature: checks a JWS signature with
// OpenSSL's EVP interface. RS*: PKCS#1 v1.5; PS*: PSS with MGF1 of the same
// hash and a salt of the hash's length (RFC 7518 3.5); ES*: the raw r||s
// form of RFC 7518 3.4, converted to DER with ECDSA_SIG; EdDSA: Ed25519;
// HS*: HMAC compared in constant time (CRYPTO_memcmp).
//
// Thread safety: stateless; EVP_PKEYs are only read.
//
// Example:
//   if (key.Fits(jwt.algorithm) && VerifyJwsSignature(key, jwt)) ...
#pragma once

#include <string_view>

#include "gateway/auth/jwk.h"
#include "gateway/auth/jwt.h"

namespace protogate::auth {

// True when `jwt.signature` is a valid signature of `jwt.signing_input` by
// `key` with `jwt.algorithm`. REQUIRES: key.Fits(jwt.algorithm).
bool VerifyJwsSignature(const Jwk& key, const Jwt& jwt);

// The same for HS256/384/512 with `secret`. False for other algorithms.
bool VerifyHmacSignature(std::string_view secret, const Jwt& jwt);

}  // namespace protogate::auth
