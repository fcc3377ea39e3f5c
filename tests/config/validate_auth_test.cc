// ValidateAuth through ValidateConfig: the YAML of issue 16's config
// contract is accepted, and each rule names its config path.
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

constexpr char kHash[] =
    "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

// The contract's example (jwks_uri; jwks_file and the CA replaced by a
// file that exists) with `auth` and `methods` replaceable.
std::string Yaml(const std::string& providers, const std::string& methods) {
  return absl::StrCat(
      "listen: 127.0.0.1:8080\n"
      "auth:\n"
      "  jwt_providers: ",
      providers,
      "\n"
      "  api_keys:\n"
      "    - name: partner-a\n"
      "      sha256: ",
      kHash,
      "\n"
      "      header: x-api-key\n"
      "      forward_as: {x-client: partner-a}\n"
      "methods: ",
      methods, "\n");
}

const char kProvider[] =
    "[{name: corp, issuer: \"https://id.example.test\", audiences: "
    "[library-api], jwks_uri: "
    "\"https://127.0.0.1:8443/.well-known/jwks.json\", jwks_cache: 300s, "
    "clock_skew: 30s, forward_claims: {sub: x-user-id, tenant: x-tenant}, "
    "forward_token: false}]";
const char kMethods[] =
    "[{selector: acme.library.v1.Library, auth: {require_any: [corp, "
    "partner-a], scopes: [library.read]}}, {selector: "
    "acme.library.v1.Library.GetBook, auth: {allow_anonymous: true}}]";

absl::Status Validate(const std::string& yaml) {
  absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(yaml, "t.yaml");
  EXPECT_TRUE(config.ok()) << config.status() << "\n" << yaml;
  if (!config.ok()) return config.status();
  return ValidateConfig(*config);
}

TEST(ValidateAuthTest, AcceptsTheContractExample) {
  const absl::Status status = Validate(Yaml(kProvider, kMethods));
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateAuthTest, NamesThePathOfEachProblem) {
  const std::string p = "[{name: corp, issuer: i, jwks_uri: \"https://h/j\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Yaml("[{name: corp, jwks_uri: \"https://h/j\"}]", "[]"),
       "auth.jwt_providers[0].issuer: required"},
      {Yaml("[{issuer: i, jwks_uri: \"https://h/j\"}]", "[]"),
       "auth.jwt_providers[0].name: required"},
      {Yaml("[{name: partner-a, issuer: i, jwks_uri: \"https://h/j\"}]", "[]"),
       "auth.api_keys[0].name: duplicate name \"partner-a\" (also "
       "auth.jwt_providers[0])"},
      {Yaml("[{name: corp, issuer: i}]", "[]"),
       "auth.jwt_providers[0]: exactly one of jwks_uri, jwks_file and "
       "hmac_secret_file"},
      {Yaml("[{name: corp, issuer: i, jwks_uri: \"http://h/j\"}]", "[]"),
       "auth.jwt_providers[0].jwks_uri: must be an https:// URL"},
      {Yaml(p + ", jwks_ca_file: /nonexistent/ca.pem}]", "[]"),
       "auth.jwt_providers[0].jwks_ca_file: file \"/nonexistent/ca.pem\" does "
       "not exist"},
      {Yaml(p + ", clock_skew: 601s}]", "[]"),
       "auth.jwt_providers[0].clock_skew: 601 is out of range (0 to 600)"},
      {Yaml(p + ", jwks_cache: 0.5s}]", "[]"),
       "auth.jwt_providers[0].jwks_cache: at least 1s"},
      {Yaml(p + ", forward_claims: {sub: X-User}}]", "[]"),
       "auth.jwt_providers[0].forward_claims.sub: \"X-User\" is not "
       "lower-case"},
      {Yaml(p + ", forward_claims: {sub: grpc-user}}]", "[]"),
       "auth.jwt_providers[0].forward_claims.sub: \"grpc-user\" cannot carry "
       "an identity"},
      {Yaml(p + "}, {name: b, issuer: i, jwks_uri: \"https://h/k\"}]", "[]"),
       "auth.jwt_providers[1].issuer: duplicate issuer \"i\" (also "
       "jwt_providers[0])"},
      {Yaml(kProvider,
            "[{selector: a.B, auth: {require_any: [corp, nobody]}}]"),
       "methods[0].auth.require_any[1]: unknown credential \"nobody\""},
      {Yaml(kProvider, "[{selector: a.B, auth: {scopes: [\"a b\"]}}]"),
       "methods[0].auth.scopes[0]: not a scope token (RFC 6749 3.3)"},
  };
  for (const auto& [yaml, message] : cases) {
    const absl::Status status = Validate(yaml);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << yaml;
    EXPECT_EQ(status.message(), message) << yaml;
  }
}

TEST(ValidateAuthTest, ChecksApiKeys) {
  const std::string yaml =
      absl::StrCat("auth: {api_keys: [{name: k, sha256: abc}]}\n");
  EXPECT_EQ(Validate(yaml).message(),
            "auth.api_keys[0].sha256: must be 64 hex digits");
  EXPECT_EQ(Validate(absl::StrCat("auth: {api_keys: [{name: k, sha256: ", kHash,
                                  ", header: authorization}]}\n"))
                .message(),
            "auth.api_keys[0].header: authorization carries bearer tokens");
}

TEST(ValidateAuthTest, AMethodRuleNeedsSomeCredential) {
  EXPECT_EQ(Validate("method_defaults: {auth: {}}\n").message(),
            "method_defaults.auth: no credential is configured in auth");
}

}  // namespace
}  // namespace protogate::config
