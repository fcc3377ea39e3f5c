// jwt_parser and jwk_set: the auth library's token and JWK set parsers on
// arbitrary input (see fuzz_targets.h).
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/jwk.h"
#include "gateway/auth/jwt.h"
#include "gateway/base/strings.h"
#include "tests/fuzz/fuzz_targets.h"

namespace protogate::fuzz {
namespace {

absl::Status Broken(std::string_view what) {
  return absl::InternalError(absl::StrCat("auth: ", base::ToAbsl(what)));
}

// Error messages are fixed texts: nothing of the token reaches a client.
bool IsFixedMessage(std::string_view message) {
  for (const char* fixed : {"token too large", "algorithm not accepted",
                            "critical header not supported"}) {
    if (message == fixed) return true;
  }
  return absl::StartsWith(base::ToAbsl(message), "malformed token: ") &&
         message.size() < 64 && message.find('"') == std::string_view::npos;
}

}  // namespace

absl::Status CheckJwtParser(std::string_view input) {
  absl::StatusOr<auth::Jwt> jwt = auth::ParseJwt(input);
  if (!jwt.ok()) {
    if (jwt.status().code() != absl::StatusCode::kInvalidArgument) {
      return Broken("an error other than InvalidArgument");
    }
    if (!IsFixedMessage(base::ToStd(jwt.status().message()))) {
      return Broken(absl::StrCat("message \"", jwt.status().message(), "\""));
    }
    return absl::OkStatus();
  }
  const size_t last_dot = input.rfind('.');
  if (input.size() > auth::kMaxTokenBytes ||
      last_dot == std::string_view::npos ||
      jwt->signing_input != input.substr(0, last_dot) ||
      jwt->signing_input.data() != input.data()) {
    return Broken("signing input is not the token before its last '.'");
  }
  if (auth::DecodeBase64Url(input.substr(last_dot + 1)) != jwt->signature ||
      jwt->signature.empty()) {
    return Broken("signature is not the decoded last part");
  }
  if (auth::JwsAlgorithmFromName(auth::JwsAlgorithmName(jwt->algorithm)) !=
      jwt->algorithm) {
    return Broken("algorithm name does not round-trip");
  }
  absl::StatusOr<auth::Jwt> again = auth::ParseJwt(input);
  if (!again.ok() || again->claims.text != jwt->claims.text ||
      again->key_id != jwt->key_id) {
    return Broken("a second parse differs");
  }
  return absl::OkStatus();
}

int FuzzJwtParser(const uint8_t* data, size_t size) {
  return AbortUnlessOk("jwt_parser",
                       CheckJwtParser(std::string_view(
                           reinterpret_cast<const char*>(data), size)));
}

absl::Status CheckJwkSet(std::string_view input) {
  absl::StatusOr<std::shared_ptr<const auth::JwkSet>> keys =
      auth::ParseJwkSet(input);
  if (!keys.ok()) {
    return keys.status().code() == absl::StatusCode::kInvalidArgument
               ? absl::OkStatus()
               : Broken("a JWK set error other than InvalidArgument");
  }
  const auto& list = (*keys)->keys();
  if (list.empty() || list.size() > auth::kMaxJwkSetKeys) {
    return Broken("an accepted JWK set with no or too many keys");
  }
  for (const auth::Jwk& key : list) {
    bool fits = false;
    for (const char* alg :
         {"RS256", "PS512", "ES256", "ES384", "ES512", "EdDSA"}) {
      fits = fits || key.Fits(*auth::JwsAlgorithmFromName(alg));
    }
    if (key.key() == nullptr || !fits || key.Fits(auth::JwsAlgorithm::kHs256)) {
      return Broken("a JWK without a key or an algorithm, or fit for HMAC");
    }
  }
  return absl::OkStatus();
}

int FuzzJwkSet(const uint8_t* data, size_t size) {
  return AbortUnlessOk(
      "jwk_set",
      CheckJwkSet(std::string_view(reinterpret_cast<const char*>(data), size)));
}

}  // namespace protogate::fuzz
