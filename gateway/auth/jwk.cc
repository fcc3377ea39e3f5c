#include "gateway/auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"

namespace protogate::auth {
namespace {

struct CurveInfo {
  std::string_view crv;
  KeyType type;
  const char* group;  // OpenSSL group name.
  size_t coordinate_bytes;
};

constexpr CurveInfo kCurves[] = {
    {"P-256", KeyType::kEcP256, "prime256v1", 32},
    {"P-384", KeyType::kEcP384, "secp384r1", 48},
    {"P-521", KeyType::kEcP521, "secp521r1", 66},
};

struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

std::string_view Text(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return std::string_view(it->value.GetString(), it->value.GetStringLength());
}

// Builds a public key of `type_name` ("RSA", "EC") from `params`.
EVP_PKEY* FromData(const char* type_name, OSSL_PARAM_BLD* builder) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(
      OSSL_PARAM_BLD_to_param(builder));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || ctx == nullptr ||
      EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <=
          0) {
    return nullptr;
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) <= 0) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

EVP_PKEY* RsaKey(const rapidjson::Value& jwk) {
  std::optional<std::string> n = DecodeBase64Url(Text(jwk, "n"));
  std::optional<std::string> e = DecodeBase64Url(Text(jwk, "e"));
  if (!n || !e || n->empty() || e->empty() || e->size() > 8) return nullptr;
  std::unique_ptr<BIGNUM, BnFree> bn_n(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(n->data()), n->size(), nullptr));
  std::unique_ptr<BIGNUM, BnFree> bn_e(BN_bin2bn(
      reinterpret_cast<const unsigned char*>(e->data()), e->size(), nullptr));
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!bn_n || !bn_e || !builder || BN_num_bits(bn_n.get()) < 2048 ||
      BN_num_bits(bn_n.get()) > 16384 ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N,
                              bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E,
                              bn_e.get())) {
    return nullptr;
  }
  return FromData("RSA", builder.get());
}

EVP_PKEY* EcKey(const rapidjson::Value& jwk, const CurveInfo& curve) {
  std::optional<std::string> x = DecodeBase64Url(Text(jwk, "x"));
  std::optional<std::string> y = DecodeBase64Url(Text(jwk, "y"));
  if (!x || !y || x->empty() || y->empty() ||
      x->size() > curve.coordinate_bytes ||
      y->size() > curve.coordinate_bytes) {
    return nullptr;
  }
  // RFC 7518 6.2.1.2 wants full-size coordinates; some issuers (PyJWT
  // before 2.8) drop leading zero bytes, so shorter ones are padded.
  const std::string point = absl::StrCat(
      "\x04", std::string(curve.coordinate_bytes - x->size(), '\0'), *x,
      std::string(curve.coordinate_bytes - y->size(), '\0'), *y);
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(
          builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve.group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point.data(), point.size())) {
    return nullptr;
  }
  return FromData("EC", builder.get());
}

EVP_PKEY* Ed25519Key(const rapidjson::Value& jwk) {
  std::optional<std::string> x = DecodeBase64Url(Text(jwk, "x"));
  if (!x || x->size() != 32) return nullptr;
  return EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(x->data()), x->size());
}

// Whether `use` and `key_ops` allow verifying signatures.
bool UsableForVerify(const rapidjson::Value& jwk) {
  auto use = jwk.FindMember("use");
  if (use != jwk.MemberEnd() && Text(jwk, "use") != "sig") return false;
  auto ops = jwk.FindMember("key_ops");
  if (ops == jwk.MemberEnd()) return true;
  if (!ops->value.IsArray()) return false;
  for (const rapidjson::Value& op : ops->value.GetArray()) {
    if (op.IsString() && std::string_view(op.GetString()) == "verify") {
      return true;
    }
  }
  return false;
}

// The key, or nullopt when it is skipped.
std::optional<Jwk> ParseKey(const rapidjson::Value& jwk) {
  if (!jwk.IsObject() || !UsableForVerify(jwk)) return std::nullopt;
  std::optional<JwsAlgorithm> alg;
  if (jwk.HasMember("alg")) {
    alg = JwsAlgorithmFromName(Text(jwk, "alg"));
    if (!alg.has_value() || IsHmac(*alg)) return std::nullopt;
  }
  const std::string_view kty = Text(jwk, "kty");
  const std::string_view crv = Text(jwk, "crv");
  EVP_PKEY* key = nullptr;
  KeyType type = KeyType::kRsa;
  if (kty == "RSA") {
    key = RsaKey(jwk);
  } else if (kty == "EC") {
    for (const CurveInfo& curve : kCurves) {
      if (curve.crv == crv) {
        type = curve.type;
        key = EcKey(jwk, curve);
      }
    }
  } else if (kty == "OKP" && crv == "Ed25519") {
    type = KeyType::kEd25519;
    key = Ed25519Key(jwk);
  }
  if (key == nullptr) return std::nullopt;
  Jwk out(type, std::string(Text(jwk, "kid")), alg, key);
  // An `alg` the key type cannot do (EC with "RS256"): never usable.
  if (alg.has_value() && !out.Fits(*alg)) return std::nullopt;
  return out;
}

}  // namespace

Jwk::Jwk(KeyType type, std::string key_id,
         std::optional<JwsAlgorithm> algorithm, EVP_PKEY* key)
    : type_(type),
      key_id_(std::move(key_id)),
      algorithm_(algorithm),
      key_(key) {}

Jwk::~Jwk() { EVP_PKEY_free(key_); }

Jwk::Jwk(Jwk&& other) noexcept
    : type_(other.type_),
      key_id_(std::move(other.key_id_)),
      algorithm_(other.algorithm_),
      key_(std::exchange(other.key_, nullptr)) {}

bool Jwk::Fits(JwsAlgorithm algorithm) const {
  if (algorithm_.has_value() && *algorithm_ != algorithm) return false;
  switch (algorithm) {
    case JwsAlgorithm::kRs256:
    case JwsAlgorithm::kRs384:
    case JwsAlgorithm::kRs512:
    case JwsAlgorithm::kPs256:
    case JwsAlgorithm::kPs384:
    case JwsAlgorithm::kPs512:
      return type_ == KeyType::kRsa;
    case JwsAlgorithm::kEs256:
      return type_ == KeyType::kEcP256;
    case JwsAlgorithm::kEs384:
      return type_ == KeyType::kEcP384;
    case JwsAlgorithm::kEs512:
      return type_ == KeyType::kEcP521;
    case JwsAlgorithm::kEdDsa:
      return type_ == KeyType::kEd25519;
    case JwsAlgorithm::kHs256:
    case JwsAlgorithm::kHs384:
    case JwsAlgorithm::kHs512:
      return false;
  }
  return false;
}

absl::StatusOr<std::shared_ptr<const JwkSet>> ParseJwkSet(
    std::string_view json) {
  if (json.size() > kMaxJwkSetBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWK set larger than ", kMaxJwkSetBytes, " bytes"));
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("keys") ||
      !doc["keys"].IsArray()) {
    return absl::InvalidArgumentError(
        "JWK set is not a JSON object with a \"keys\" array");
  }
  const auto& entries = doc["keys"].GetArray();
  if (entries.Size() > kMaxJwkSetKeys) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWK set has more than ", kMaxJwkSetKeys, " keys"));
  }
  std::vector<Jwk> keys;
  for (const rapidjson::Value& entry : entries) {
    std::optional<Jwk> key = ParseKey(entry);
    if (key.has_value()) keys.push_back(std::move(*key));
  }
  if (keys.empty()) {
    return absl::InvalidArgumentError("JWK set has no usable signature key");
  }
  return std::make_shared<const JwkSet>(std::move(keys));
}

}  // namespace protogate::auth
