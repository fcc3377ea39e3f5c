#include "gateway/auth/auth_stage.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/auth/jwt.h"
#include "gateway/base/strings.h"

namespace protogate::auth {
namespace {

using policy::Exchange;
using policy::Identity;
using policy::Verdict;

constexpr std::string_view kDefaultKeyHeader = "x-api-key";

bool Contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

Verdict NoCredential() {
  Verdict v = Verdict::Answer(401, absl::StatusCode::kUnauthenticated,
                              "authentication required");
  v.response.headers.emplace_back("WWW-Authenticate",
                                  "Bearer realm=\"protogate\"");
  return v;
}

// `message` is one of the fixed texts of ParseJwt and JwtProvider: no
// quotes, nothing from the request.
Verdict InvalidCredential(std::string_view message) {
  Verdict v = Verdict::Answer(401, absl::StatusCode::kUnauthenticated, message);
  v.response.headers.emplace_back(
      "WWW-Authenticate",
      absl::StrCat("Bearer error=\"invalid_token\", error_description=\"",
                   base::ToAbsl(message), "\""));
  return v;
}

Verdict KeysUnavailable() {
  return Verdict::Answer(503, absl::StatusCode::kUnavailable,
                         "authentication is temporarily unavailable");
}

// Fills in what Verify did not name: the provider "-" when no credential
// was matched to one, and the result from the verdict.
void NoteOutcome(const Verdict& verdict, Exchange& exchange) {
  policy::StageOutcomes& outcomes = exchange.outcomes();
  if (outcomes.auth_provider.empty()) outcomes.auth_provider = "-";
  if (!outcomes.auth_result.empty()) return;
  if (verdict.kind == Verdict::Kind::kPass) {
    outcomes.auth_result =
        exchange.identity().kind == Identity::Kind::kAnonymous ? "anonymous"
                                                               : "ok";
    return;
  }
  switch (verdict.response.status) {
    case 403:
      outcomes.auth_result = "forbidden";
      return;
    case 503:
      outcomes.auth_result = "unavailable";
      return;
    default:
      outcomes.auth_result = "invalid";
  }
}

// The token of "Bearer <token>" (scheme case-insensitive), or nullopt.
std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size() ||
      !absl::EqualsIgnoreCase(base::ToAbsl(authorization.substr(0, 7)),
                              base::ToAbsl(kScheme))) {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

// The request's credential headers for one route.
struct FoundCredentials {
  int authorization_count = 0;
  std::string_view authorization;
  int key_count = 0;
  std::string_view key;
  const std::string* key_header = nullptr;
};

FoundCredentials FindCredentials(const http::Request& request,
                                 const std::vector<std::string>& key_headers) {
  FoundCredentials found;
  for (const auto& [name, value] : request.headers()) {
    if (absl::EqualsIgnoreCase(name, "authorization")) {
      ++found.authorization_count;
      found.authorization = value;
      continue;
    }
    for (const std::string& header : key_headers) {
      if (absl::EqualsIgnoreCase(name, header)) {
        ++found.key_count;
        found.key = value;
        found.key_header = &header;
      }
    }
  }
  return found;
}

void AddUnique(std::vector<std::string>& list, std::string value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(std::move(value));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<const policy::Stage>> AuthStage::Create(
    const config::v1::GatewayConfig& config, const routing::RouteTable& routes,
    JwksCache& jwks) {
  std::unique_ptr<AuthStage> stage(new AuthStage());
  CredentialNames names;
  const config::v1::AuthConfig& auth = config.auth();
  for (int i = 0; i < auth.jwt_providers_size(); ++i) {
    const config::v1::JwtProvider& p = auth.jwt_providers(i);
    absl::StatusOr<std::unique_ptr<JwtProvider>> provider = JwtProvider::Create(
        p, absl::StrCat("auth.jwt_providers[", i, "]"), jwks);
    if (!provider.ok()) return provider.status();
    for (const auto& [claim, header] : (*provider)->forward_claims()) {
      AddUnique(stage->forwarded_names_, header);
    }
    stage->providers_.push_back(*std::move(provider));
    stage->provider_by_issuer_.emplace(p.issuer(), i);
    names.providers.emplace(p.name(), i);
  }
  for (int i = 0; i < auth.api_keys_size(); ++i) {
    const config::v1::ApiKey& k = auth.api_keys(i);
    ApiKey key{
        .name = k.name(),
        .header = absl::AsciiStrToLower(
            k.header().empty() ? base::ToAbsl(kDefaultKeyHeader) : k.header()),
        .forward_token = k.forward_token()};
    const std::string digest = absl::HexStringToBytes(k.sha256());
    std::copy_n(digest.begin(), std::min(digest.size(), key.sha256.size()),
                key.sha256.begin());
    auto identity = std::make_shared<CachedToken>();
    identity->provider = i;
    identity->token.subject = k.name();
    identity->token.scopes.assign(k.scopes().begin(), k.scopes().end());
    for (const auto& [header, value] : k.forward_as()) {
      identity->token.forwarded.emplace_back(header, value);
      AddUnique(stage->forwarded_names_, header);
    }
    key.identity = std::move(identity);
    AddUnique(stage->key_headers_, key.header);
    stage->api_keys_.push_back(std::move(key));
    names.api_keys.emplace(k.name(), i);
  }
  absl::StatusOr<RouteRequirements> requirements =
      RouteRequirements::Build(config, routes, names);
  if (!requirements.ok()) return requirements.status();
  if (!requirements->any()) return nullptr;
  stage->requirements_ = *std::move(requirements);
  return stage;
}

Verdict AuthStage::Apply(Exchange& exchange) const {
  if (exchange.outcome() != policy::RouteOutcome::kMatched) {
    return Verdict::Pass();
  }
  if (!forwarded_names_.empty()) {
    std::erase_if(exchange.metadata(), [this](const auto& entry) {
      return std::find(forwarded_names_.begin(), forwarded_names_.end(),
                       entry.first) != forwarded_names_.end();
    });
  }
  const Requirement* need = requirements_.ForRoute(exchange.route_index());
  if (need == nullptr) return Verdict::Pass();
  Verdict verdict = Verify(*need, exchange);
  NoteOutcome(verdict, exchange);
  return verdict;
}

Verdict AuthStage::Verify(const Requirement& need, Exchange& exchange) const {
  const FoundCredentials found =
      FindCredentials(exchange.request(), key_headers_);
  if (found.authorization_count > 1) {
    return InvalidCredential("several Authorization headers");
  }
  const std::optional<std::string_view> bearer =
      found.authorization_count == 1 ? BearerToken(found.authorization)
                                     : std::nullopt;
  if (bearer.has_value() && !need.providers.empty()) {
    return VerifyBearer(*bearer, need, exchange);
  }
  if (found.key_header != nullptr) {
    if (found.key_count > 1)
      return InvalidCredential("several API key headers");
    return VerifyApiKey(found.key, *found.key_header, need, exchange);
  }
  if (need.allow_anonymous) return Verdict::Pass();
  exchange.outcomes().auth_result = "missing";
  return NoCredential();
}

Verdict AuthStage::VerifyBearer(std::string_view token, const Requirement& need,
                                Exchange& exchange) const {
  if (token.size() > kMaxTokenBytes)
    return InvalidCredential("token too large");
  const absl::Time now = absl::Now();
  const int64_t now_seconds = absl::ToUnixSeconds(now);
  std::shared_ptr<const CachedToken> verified =
      token_cache_.Find(token, now_seconds);
  if (verified == nullptr) {
    absl::StatusOr<Jwt> jwt = ParseJwt(token);
    if (!jwt.ok())
      return InvalidCredential(base::ToStd(jwt.status().message()));
    auto it = provider_by_issuer_.find(jwt->claims.issuer);
    if (it == provider_by_issuer_.end() ||
        !Contains(need.providers, it->second)) {
      return InvalidCredential("issuer not accepted");
    }
    exchange.outcomes().auth_provider = providers_[it->second]->name();
    absl::StatusOr<VerifiedToken> token_claims =
        providers_[it->second]->Verify(*jwt, now);
    if (!token_claims.ok()) {
      return token_claims.status().code() == absl::StatusCode::kUnavailable
                 ? KeysUnavailable()
                 : InvalidCredential(
                       base::ToStd(token_claims.status().message()));
    }
    auto entry = std::make_shared<CachedToken>();
    entry->provider = it->second;
    entry->token = *std::move(token_claims);
    verified = std::move(entry);
    token_cache_.Insert(token, verified, now_seconds);
  } else if (!Contains(need.providers, verified->provider)) {
    return InvalidCredential("issuer not accepted");
  }
  const JwtProvider& provider = *providers_[verified->provider];
  return Admit(*verified, need,
               {.kind = Identity::Kind::kJwt,
                .name = &provider.name(),
                .header = "authorization",
                .forward_token = provider.forward_token()},
               exchange);
}

Verdict AuthStage::VerifyApiKey(std::string_view key, const std::string& header,
                                const Requirement& need,
                                Exchange& exchange) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &digest_length, EVP_sha256(),
                 nullptr) != 1 ||
      digest_length != 32) {
    return InvalidCredential("API key not accepted");
  }
  int match = -1;
  for (size_t i = 0; i < api_keys_.size(); ++i) {
    // Every key of the header is compared: no early exit on a match.
    if (api_keys_[i].header == header &&
        CRYPTO_memcmp(digest, api_keys_[i].sha256.data(), 32) == 0) {
      match = static_cast<int>(i);
    }
  }
  if (match < 0 || !Contains(need.api_keys, match)) {
    return InvalidCredential("API key not accepted");
  }
  const ApiKey& api_key = api_keys_[match];
  return Admit(*api_key.identity, need,
               {.kind = Identity::Kind::kApiKey,
                .name = &api_key.name,
                .header = api_key.header,
                .forward_token = api_key.forward_token},
               exchange);
}

Verdict AuthStage::Admit(const CachedToken& verified, const Requirement& need,
                         const Credential& credential,
                         Exchange& exchange) const {
  exchange.outcomes().auth_provider = *credential.name;
  const std::vector<std::string>& held = verified.token.scopes;
  for (const std::string& scope : need.scopes) {
    if (std::find(held.begin(), held.end(), scope) == held.end()) {
      Verdict v = Verdict::Answer(403, absl::StatusCode::kPermissionDenied,
                                  "insufficient scope");
      v.response.headers.emplace_back("WWW-Authenticate",
                                      need.insufficient_scope_challenge);
      return v;
    }
  }
  Identity& identity = exchange.identity();
  identity.kind = credential.kind;
  identity.credential_name = *credential.name;
  identity.subject = verified.token.subject;
  identity.claims = verified.token.claims;
  upstream::Metadata& metadata = exchange.metadata();
  if (!credential.forward_token) {
    std::erase_if(metadata, [&credential](const auto& entry) {
      return entry.first == credential.header;
    });
  }
  metadata.insert(metadata.end(), verified.token.forwarded.begin(),
                  verified.token.forwarded.end());
  exchange.identity_metadata() = verified.token.forwarded;
  return Verdict::Pass();
}

}  // namespace protogate::auth
