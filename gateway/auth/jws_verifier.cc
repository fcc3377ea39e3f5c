#include "gateway/auth/jws_verifier.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

namespace protogate::auth {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const EVP_MD* Digest(JwsAlgorithm algorithm) {
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
    case JwsAlgorithm::kPs256:
    case JwsAlgorithm::kEs256:
    case JwsAlgorithm::kHs256:
      return EVP_sha256();
    case JwsAlgorithm::kRs384:
    case JwsAlgorithm::kPs384:
    case JwsAlgorithm::kEs384:
    case JwsAlgorithm::kHs384:
      return EVP_sha384();
    case JwsAlgorithm::kRs512:
    case JwsAlgorithm::kPs512:
    case JwsAlgorithm::kEs512:
    case JwsAlgorithm::kHs512:
      return EVP_sha512();
    case JwsAlgorithm::kEdDsa:
      return nullptr;  // Ed25519 hashes internally.
  }
  return nullptr;
}

bool IsPss(JwsAlgorithm a) {
  return a == JwsAlgorithm::kPs256 || a == JwsAlgorithm::kPs384 ||
         a == JwsAlgorithm::kPs512;
}

size_t EcCoordinateBytes(KeyType type) {
  switch (type) {
    case KeyType::kEcP256:
      return 32;
    case KeyType::kEcP384:
      return 48;
    case KeyType::kEcP521:
      return 66;
    default:
      return 0;
  }
}

// The DER ECDSA-Sig-Value of a raw r||s signature; empty if it has the
// wrong length.
std::string EcdsaRawToDer(std::string_view raw, size_t half) {
  if (half == 0 || raw.size() != 2 * half) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, half, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + half, half, nullptr);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr ||
      ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), length);
  OPENSSL_free(der);
  return out;
}

}  // namespace

bool VerifyJwsSignature(const Jwk& key, const Jwt& jwt) {
  std::string der;
  std::string_view signature = jwt.signature;
  if (key.type() != KeyType::kRsa && key.type() != KeyType::kEd25519) {
    der = EcdsaRawToDer(signature, EcCoordinateBytes(key.type()));
    if (der.empty()) return false;
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), &pctx, Digest(jwt.algorithm), nullptr,
                           key.key()) != 1) {
    return false;
  }
  if (IsPss(jwt.algorithm) &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0)) {
    return false;
  }
  return EVP_DigestVerify(
             ctx.get(),
             reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
             jwt.signing_input.size()) == 1;
}

bool VerifyHmacSignature(std::string_view secret, const Jwt& jwt) {
  if (!IsHmac(jwt.algorithm)) return false;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (HMAC(Digest(jwt.algorithm), secret.data(),
           static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(jwt.signing_input.data()),
           jwt.signing_input.size(), mac, &mac_length) == nullptr) {
    return false;
  }
  return jwt.signature.size() == mac_length &&
         CRYPTO_memcmp(mac, jwt.signature.data(), mac_length) == 0;
}

}  // namespace protogate::auth
