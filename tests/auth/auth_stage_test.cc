// Tests of AuthStage over real tokens (minted by python3-jwt), a real HTTPS
// JWKS server and the demo bookstore's route table: every line of the
// "Behaviour" of issue 16 that the stage decides.
#include "gateway/auth/auth_stage.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "demo/bookstore.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/auth/auth_test_env.h"

namespace protogate::auth {
namespace {

using policy::Exchange;
using policy::Identity;
using policy::Verdict;
using ::protogate::auth::testing::AuthTestEnv;
using ::protogate::auth::testing::JwksServer;

constexpr char kIssuer[] = "https://id.example.test";
constexpr char kKeyA[] = "secret-key-a";

const routing::RouteTable& Routes() {
  static const routing::RouteTable* table = [] {
    auto built = routing::RouteTable::Build(
        {demo::bookstore::v1::Book::descriptor()->file()->FindServiceByName(
            "Bookstore")});
    return built->release();
  }();
  return *table;
}

std::string Sha256Hex(const std::string& key) {
  // python's hashlib, not the gateway's OpenSSL call.
  return testing::Run(
      absl::StrCat(testing::kPython,
                   " -c \"import hashlib,sys; print(hashlib."
                   "sha256(sys.stdin.buffer.read()).hexdigest(),"
                   " end='')\""),
      key);
}

// What one request through the stage produced.
struct Outcome {
  Verdict verdict;
  Identity identity;
  upstream::Metadata metadata;
  upstream::Metadata identity_metadata;  // What plan steps carry too.

  int status() const {
    return verdict.kind == Verdict::Kind::kPass ? 0 : verdict.response.status;
  }
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : verdict.response.headers) {
      if (key == name) return value;
    }
    return "";
  }
  std::string metadata_value(std::string_view name) const {
    std::string out;
    for (const auto& [key, value] : metadata) {
      if (key == name) absl::StrAppend(&out, out.empty() ? "" : ",", value);
    }
    return out;
  }
};

Outcome Call(const policy::Stage& stage, const std::string& method,
             const std::string& path,
             std::vector<http::Request::Header> headers) {
  http::Request request(method, path, headers, "", "127.0.0.1:1");
  const routing::RouteMatch match = Routes().Match(method, path);
  Exchange::Match m;
  if (match.outcome == routing::RouteMatch::Outcome::kMatched) {
    m.outcome = policy::RouteOutcome::kMatched;
    m.route = match.route;
    m.route_index = match.route - Routes().routes().data();
  }
  Exchange exchange(request, "rid", m);
  // What the header stage would forward: every request header.
  for (const auto& [name, value] : headers) {
    exchange.metadata().emplace_back(absl::AsciiStrToLower(name), value);
  }
  Outcome out;
  out.verdict = stage.Apply(exchange);
  out.identity = exchange.identity();
  out.metadata = exchange.metadata();
  out.identity_metadata = exchange.identity_metadata();
  return out;
}

Outcome Get(const policy::Stage& stage, const std::string& path,
            const std::string& token) {
  return Call(stage, "GET", path, {{"Authorization", "Bearer " + token}});
}

std::string InvalidToken(absl::string_view description) {
  return absl::StrCat("Bearer error=\"invalid_token\", error_description=\"",
                      description, "\"");
}

class AuthStageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new AuthTestEnv();
    server_ = new JwksServer(*env_);
    MintTokens();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete env_;
  }

  static void MintTokens() {
    const std::string base = absl::StrCat(
        "\"iss\":\"", kIssuer,
        "\",\"aud\":\"library-api\",\"sub\":\"alice\",\"tenant\":\"acme\","
        "\"iat\":\"@now-10\"");
    std::vector<std::pair<std::string, std::string>> requests;
    auto add = [&](std::string name, std::string fields, std::string claims) {
      requests.emplace_back(
          std::move(name),
          absl::StrCat("{", fields, ",\"claims\":{", base,
                       claims.empty() ? "" : ",", claims, "}}"));
    };
    const std::string scopes =
        "\"scope\":\"library.read library.write\",\"exp\":\"@now+315360000\"";
    for (const char* alg : {"RS256", "RS384", "RS512", "PS256", "PS384",
                            "PS512", "ES256", "ES384", "ES512", "EdDSA"}) {
      const std::string kid = absl::AsciiStrToLower(alg);
      add(kid, absl::StrCat("\"kid\":\"", kid, "\",\"alg\":\"", alg, "\""),
          scopes);
    }
    const std::string rs = "\"kid\":\"rs256\",\"alg\":\"RS256\"";
    add("expired", rs, "\"exp\":\"@now-3600\"");
    add("not_yet", rs, "\"exp\":\"@now+315400000\",\"nbf\":\"@now+315360000\"");
    add("iat_future", rs,
        "\"exp\":\"@now+315400000\",\"iat\":\"@now+315360000\"");
    add("wrong_aud", rs,
        "\"exp\":\"@now+315360000\",\"aud\":[\"other\",\"x\"]");
    add("no_exp", rs, "");
    add("read_only", rs,
        "\"exp\":\"@now+315360000\",\"scope\":\"library.read\"");
    add("scp_array", rs,
        "\"exp\":\"@now+315360000\",\"scp\":[\"library.write\"]");
    add("alg_none", "\"mode\":\"none\"", "\"exp\":\"@now+315360000\"");
    add("hs_confusion", "\"kid\":\"rs256\",\"mode\":\"hs-with-public-key\"",
        "\"exp\":\"@now+315360000\"");
    add("kid_mismatch", "\"kid\":\"es256\",\"key\":\"rs256\",\"alg\":\"RS256\"",
        "\"exp\":\"@now+315360000\"");
    add("rotated", "\"kid\":\"rotated\",\"alg\":\"RS256\"", scopes);
    add("hmac", absl::StrCat("\"mode\":\"hmac:", env_->dir(), "/hmac.secret\""),
        absl::StrCat(scopes, ",\"iss\":\"https://hmac.test\""));
    std::string json = "[";
    for (size_t i = 0; i < requests.size(); ++i) {
      absl::StrAppend(&json, i ? "," : "", requests[i].second);
    }
    // "iss" given twice: the last one wins in python's json.
    const std::vector<std::string> minted =
        env_->MintOnce("stage-tokens.json", json + "]");
    ASSERT_EQ(minted.size(), requests.size());
    for (size_t i = 0; i < minted.size(); ++i) {
      (*tokens_)[requests[i].first] = minted[i];
    }
  }

  static std::string ConfigText(const std::string& jwks_uri) {
    return absl::StrCat(
        "auth { jwt_providers { name: 'corp' issuer: '", kIssuer,
        "' audiences: 'library-api' jwks_uri: '", jwks_uri, "' jwks_ca_file: '",
        env_->ca_file(),
        "' forward_claims { key: 'sub' value: 'x-user-id' }"
        "  forward_claims { key: 'tenant' value: 'x-tenant' } }"
        " jwt_providers { name: 'shared' issuer: 'https://hmac.test'"
        "  hmac_secret_file: '",
        env_->dir(),
        "/hmac.secret' }"
        " api_keys { name: 'partner-a' sha256: '",
        Sha256Hex(kKeyA),
        "' forward_as { key: 'x-client' value: 'partner-a' }"
        "  scopes: 'library.read' }"
        " api_keys { name: 'partner-b' sha256: '",
        Sha256Hex("key-b"),
        "' header: 'x-partner-key' } }"
        "method_defaults { auth { } }"
        "methods { selector: 'demo.bookstore.v1.Bookstore.ListShelves'"
        "  auth { allow_anonymous: true } }"
        "methods { selector: 'demo.bookstore.v1.Bookstore.CreateShelf'"
        "  auth { require_any: ['corp', 'shared'] scopes: 'library.write' } }"
        "methods { selector: 'demo.bookstore.v1.Bookstore.GetShelf'"
        "  auth { require_any: 'partner-a' scopes: 'library.read' } }"
        "methods { selector: 'demo.bookstore.v1.Bookstore.DeleteBook'"
        "  timeout { seconds: 5 } }");
  }

  static config::v1::GatewayConfig Config(const std::string& jwks_uri) {
    config::v1::GatewayConfig config;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        absl::StrReplaceAll(ConfigText(jwks_uri), {{"'", "\""}}), &config));
    return config;
  }

  // A stage over `cache` whose first JWKS fetch has finished.
  static std::unique_ptr<const policy::Stage> MakeStage(
      JwksCache& cache, const config::v1::GatewayConfig& config) {
    auto stage = AuthStage::Create(config, Routes(), cache);
    EXPECT_TRUE(stage.ok()) << stage.status();
    if (!stage.ok()) return nullptr;
    EXPECT_TRUE(Remote(cache, config)->WaitForFetchCount(1, absl::Seconds(30)));
    return *std::move(stage);
  }

  static std::shared_ptr<RemoteJwks> Remote(
      JwksCache& cache, const config::v1::GatewayConfig& config) {
    const auto& p = config.auth().jwt_providers(0);
    RemoteJwksSpec spec{.uri = p.jwks_uri(), .ca_file = p.jwks_ca_file()};
    if (p.has_jwks_cache())
      spec.refresh = absl::Seconds(p.jwks_cache().seconds());
    return cache.Get(spec);
  }

  void SetUp() override { stage_ = MakeStage(cache_, Config(server_->uri())); }

  const std::string& token(const std::string& name) { return (*tokens_)[name]; }

  static AuthTestEnv* env_;
  static JwksServer* server_;
  static std::map<std::string, std::string>* tokens_;
  JwksCache cache_;
  std::unique_ptr<const policy::Stage> stage_;
};

AuthTestEnv* AuthStageTest::env_ = nullptr;
JwksServer* AuthStageTest::server_ = nullptr;
std::map<std::string, std::string>* AuthStageTest::tokens_ =
    new std::map<std::string, std::string>();

TEST_F(AuthStageTest, AcceptsEveryAlgorithmFromTheJwksServer) {
  for (const char* kid : {"rs256", "rs384", "rs512", "ps256", "ps384", "ps512",
                          "es256", "es384", "es512", "eddsa"}) {
    const Outcome out = Get(*stage_, "/v1/shelves/1/books/2", token(kid));
    EXPECT_EQ(out.status(), 0) << kid << ": " << out.verdict.response.body;
    EXPECT_EQ(out.identity.kind, Identity::Kind::kJwt) << kid;
    EXPECT_EQ(out.identity.credential_name, "corp") << kid;
    EXPECT_EQ(out.identity.subject, "alice") << kid;
    ASSERT_NE(out.identity.claim("tenant"), nullptr) << kid;
    EXPECT_EQ(*out.identity.claim("tenant"), "acme");
  }
}

TEST_F(AuthStageTest, NoCredentialIs401WithTheRealmChallenge) {
  const Outcome out = Call(*stage_, "GET", "/v1/shelves/1/books/2", {});
  EXPECT_EQ(out.status(), 401);
  EXPECT_EQ(out.header("WWW-Authenticate"), "Bearer realm=\"protogate\"");
  EXPECT_NE(out.verdict.response.body.find("\"code\":16"), std::string::npos)
      << out.verdict.response.body;
}

TEST_F(AuthStageTest, NonBearerAuthorizationCountsAsNoCredential) {
  const Outcome out = Call(*stage_, "GET", "/v1/shelves/1/books/2",
                           {{"Authorization", "Basic YWxpY2U6cHc="}});
  EXPECT_EQ(out.status(), 401);
  EXPECT_EQ(out.header("WWW-Authenticate"), "Bearer realm=\"protogate\"");
}

TEST_F(AuthStageTest, BadTokensAre401WithWhatFailed) {
  std::string tampered = token("rs256");
  const size_t middle = tampered.rfind('.') + 20;
  tampered[middle] = tampered[middle] == 'A' ? 'B' : 'A';
  const std::string bad_json =
      absl::StrCat(absl::WebSafeBase64Escape("{\"alg\":\"RS256\""), ".",
                   absl::WebSafeBase64Escape("{}"), ".c2ln");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {tampered, "signature invalid"},
      {token("expired"), "token expired"},
      {token("not_yet"), "token not yet valid"},
      {token("iat_future"), "token issued in the future"},
      {token("wrong_aud"), "audience not accepted"},
      {token("no_exp"), "token has no expiry"},
      {token("alg_none"), "algorithm not accepted"},
      {token("hs_confusion"), "algorithm not accepted"},
      {token("kid_mismatch"), "algorithm not accepted"},
      {"abc.def", "malformed token: not three parts"},
      {"a!b.c.d", "malformed token: header is not base64url"},
      {"ab$.e30.c2ln", "malformed token: header is not base64url"},
      {bad_json, "malformed token: header is not a JSON object"},
      {"eyJhbGciOiJSUzI1NiJ9.e30=.c2ln",
       "malformed token: payload is not base64url"},
      {std::string(9000, 'a'), "token too large"},
  };
  for (const auto& [bad, description] : cases) {
    const Outcome out = Get(*stage_, "/v1/shelves/1/books/2", bad);
    EXPECT_EQ(out.status(), 401) << description;
    EXPECT_EQ(out.header("WWW-Authenticate"), InvalidToken(description));
    EXPECT_NE(out.verdict.response.body.find(description), std::string::npos)
        << out.verdict.response.body;
    EXPECT_EQ(out.identity.kind, Identity::Kind::kAnonymous);
  }
}

TEST_F(AuthStageTest, AnotherIssuerIsNotAccepted) {
  auto config = Config(server_->uri());
  config.mutable_auth()->mutable_jwt_providers(0)->set_issuer("https://other");
  auto stage = MakeStage(cache_, config);
  const Outcome out = Get(*stage, "/v1/shelves/1/books/2", token("rs256"));
  EXPECT_EQ(out.status(), 401);
  EXPECT_EQ(out.header("WWW-Authenticate"),
            InvalidToken("issuer not accepted"));
}

TEST_F(AuthStageTest, SeveralAuthorizationHeadersAre401) {
  const Outcome out = Call(*stage_, "GET", "/v1/shelves/1/books/2",
                           {{"Authorization", "Bearer " + token("rs256")},
                            {"authorization", "Bearer " + token("es256")}});
  EXPECT_EQ(out.status(), 401);
  EXPECT_EQ(out.header("WWW-Authenticate"),
            InvalidToken("several Authorization headers"));
}

TEST_F(AuthStageTest, MissingScopeIs403WithTheScopeChallenge) {
  const Outcome out = Call(*stage_, "POST", "/v1/shelves",
                           {{"Authorization", "Bearer " + token("read_only")}});
  EXPECT_EQ(out.status(), 403);
  EXPECT_EQ(out.header("WWW-Authenticate"),
            "Bearer error=\"insufficient_scope\", scope=\"library.write\"");
  EXPECT_NE(out.verdict.response.body.find("\"code\":7"), std::string::npos);
}

TEST_F(AuthStageTest, ScopesComeFromScopeOrScp) {
  EXPECT_EQ(Call(*stage_, "POST", "/v1/shelves",
                 {{"Authorization", "Bearer " + token("scp_array")}})
                .status(),
            0);
  EXPECT_EQ(Call(*stage_, "POST", "/v1/shelves",
                 {{"Authorization", "Bearer " + token("es384")}})
                .status(),
            0);
}

TEST_F(AuthStageTest, HmacOnlyWithTheConfiguredSecret) {
  const Outcome out = Call(*stage_, "POST", "/v1/shelves",
                           {{"Authorization", "Bearer " + token("hmac")}});
  EXPECT_EQ(out.status(), 0) << out.verdict.response.body;
  EXPECT_EQ(out.identity.credential_name, "shared");
}

TEST_F(AuthStageTest, ForwardsClaimsAndRemovesSpoofedHeadersAndTheToken) {
  const Outcome out = Call(*stage_, "GET", "/v1/shelves/1/books/2",
                           {{"Authorization", "Bearer " + token("es256")},
                            {"X-User-Id", "mallory"},
                            {"x-tenant", "evil"},
                            {"x-other", "kept"}});
  ASSERT_EQ(out.status(), 0);
  EXPECT_EQ(out.metadata_value("x-user-id"), "alice");
  EXPECT_EQ(out.metadata_value("x-tenant"), "acme");
  EXPECT_EQ(out.metadata_value("x-other"), "kept");
  EXPECT_EQ(out.metadata_value("authorization"), "");
  // The verified claims alone are the identity every plan step carries.
  EXPECT_THAT(out.identity_metadata, ::testing::UnorderedElementsAre(
                                         ::testing::Pair("x-user-id", "alice"),
                                         ::testing::Pair("x-tenant", "acme")));
}

TEST_F(AuthStageTest, ForwardTokenKeepsTheAuthorizationHeader) {
  auto config = Config(server_->uri());
  config.mutable_auth()->mutable_jwt_providers(0)->set_forward_token(true);
  auto stage = MakeStage(cache_, config);
  const Outcome out = Get(*stage, "/v1/shelves/1/books/2", token("rs256"));
  ASSERT_EQ(out.status(), 0);
  EXPECT_EQ(out.metadata_value("authorization"), "Bearer " + token("rs256"));
}

TEST_F(AuthStageTest, SpoofedHeadersAreRemovedOnOpenRoutesToo) {
  const Outcome out =
      Call(*stage_, "GET", "/v1/shelves", {{"x-user-id", "mallory"}});
  EXPECT_EQ(out.status(), 0);
  EXPECT_EQ(out.identity.kind, Identity::Kind::kAnonymous);
  EXPECT_EQ(out.metadata_value("x-user-id"), "");
}

TEST_F(AuthStageTest, AllowAnonymousStillChecksAPresentToken) {
  EXPECT_EQ(Get(*stage_, "/v1/shelves", token("expired")).status(), 401);
  const Outcome out = Get(*stage_, "/v1/shelves", token("rs512"));
  EXPECT_EQ(out.status(), 0);
  EXPECT_EQ(out.identity.kind, Identity::Kind::kJwt);
}

TEST_F(AuthStageTest, ApiKeysVerifyByHashAndForwardTheirMetadata) {
  const Outcome ok = Call(*stage_, "GET", "/v1/shelves/1",
                          {{"X-Api-Key", kKeyA}, {"x-client", "spoofed"}});
  ASSERT_EQ(ok.status(), 0) << ok.verdict.response.body;
  EXPECT_EQ(ok.identity.kind, Identity::Kind::kApiKey);
  EXPECT_EQ(ok.identity.credential_name, "partner-a");
  EXPECT_EQ(ok.metadata_value("x-client"), "partner-a");
  EXPECT_EQ(ok.metadata_value("x-api-key"), "");

  const Outcome wrong =
      Call(*stage_, "GET", "/v1/shelves/1", {{"x-api-key", "secret-key-b"}});
  EXPECT_EQ(wrong.status(), 401);
  EXPECT_EQ(wrong.header("WWW-Authenticate"),
            InvalidToken("API key not accepted"));
  // partner-b is a valid key, but GetShelf requires partner-a.
  EXPECT_EQ(Call(*stage_, "GET", "/v1/shelves/1", {{"x-partner-key", "key-b"}})
                .status(),
            401);
  EXPECT_EQ(Call(*stage_, "GET", "/v1/shelves/1/books/2",
                 {{"x-partner-key", "key-b"}})
                .status(),
            0);
  // A JWT does not satisfy a route that requires the key.
  EXPECT_EQ(Get(*stage_, "/v1/shelves/1", token("rs256")).status(), 401);
}

TEST_F(AuthStageTest, ApiKeyWithoutTheScopeIs403) {
  EXPECT_EQ(
      Call(*stage_, "POST", "/v1/shelves", {{"x-api-key", kKeyA}}).status(),
      401);  // CreateShelf accepts JWTs only.
  auto config = Config(server_->uri());
  config.mutable_methods(1)->mutable_auth()->add_require_any("partner-a");
  auto stage = MakeStage(cache_, config);
  const Outcome out =
      Call(*stage, "POST", "/v1/shelves", {{"x-api-key", kKeyA}});
  EXPECT_EQ(out.status(), 403);
}

TEST_F(AuthStageTest, UnmatchedRequestsPass) {
  EXPECT_EQ(Call(*stage_, "GET", "/nowhere", {}).status(), 0);
}

TEST_F(AuthStageTest, NoAuthRuleMeansNoStage) {
  auto config = Config(server_->uri());
  config.clear_method_defaults();
  config.clear_methods();
  auto stage = AuthStage::Create(config, Routes(), cache_);
  ASSERT_TRUE(stage.ok()) << stage.status();
  EXPECT_EQ(*stage, nullptr);
}

TEST_F(AuthStageTest, UnknownKidIsAcceptedAfterTheRefreshItTriggers) {
  // This test's own file: other test processes share the directory.
  const std::string file = absl::StrCat("jwks-rotating-", getpid(), ".json");
  const std::string path = env_->www() + "/" + file;
  testing::WriteText(path, testing::ReadText(env_->www() + "/jwks.json"));
  const auto config =
      Config(absl::StrCat("https://127.0.0.1:", server_->port(), "/", file));
  auto stage = MakeStage(cache_, config);
  ASSERT_EQ(Get(*stage, "/v1/shelves/1/books/2", token("rs256")).status(), 0);
  // The issuer rotates: the set now has the new key.
  testing::WriteText(path,
                     testing::ReadText(env_->www() + "/jwks-rotated.json"));
  std::shared_ptr<RemoteJwks> remote = Remote(cache_, config);
  const uint64_t fetches = remote->fetch_count();
  const Outcome before = Get(*stage, "/v1/shelves/1/books/2", token("rotated"));
  EXPECT_EQ(before.status(), 401);
  EXPECT_EQ(before.header("WWW-Authenticate"), InvalidToken("unknown key id"));
  ASSERT_TRUE(remote->WaitForFetchCount(fetches + 1, absl::Seconds(30)));
  EXPECT_EQ(Get(*stage, "/v1/shelves/1/books/2", token("rotated")).status(), 0);
  // A second miss within 10 s asks for no refresh.
  EXPECT_FALSE(remote->RequestRefresh());
  std::filesystem::remove(path);
}

TEST_F(AuthStageTest, KeysNeverFetchedAre503) {
  JwksServer gone(*env_);
  const std::string uri = gone.uri();
  gone.Stop();
  auto stage = MakeStage(cache_, Config(uri));  // The fetch failed.
  const Outcome out = Get(*stage, "/v1/shelves/1/books/2", token("rs256"));
  EXPECT_EQ(out.status(), 503);
  EXPECT_NE(out.verdict.response.body.find("\"code\":14"), std::string::npos);
  EXPECT_EQ(out.verdict.response.body.find("127.0.0.1"), std::string::npos);
}

// --validate's cache (JwksFetching::kNever) builds the stage against a
// live JWKS server and never fetches from it; the serving cache does.
TEST_F(AuthStageTest, AValidatingCacheNeverFetches) {
  const auto config = Config(server_->uri());
  JwksCache validating(JwksFetching::kNever);
  auto stage = AuthStage::Create(config, Routes(), validating);
  ASSERT_TRUE(stage.ok()) << stage.status();
  std::shared_ptr<RemoteJwks> remote = Remote(validating, config);
  EXPECT_TRUE(remote->RequestRefresh());
  EXPECT_FALSE(remote->WaitForFetchCount(1, absl::Milliseconds(500)));
  EXPECT_EQ(remote->keys(), nullptr);
  EXPECT_EQ(Get(**stage, "/v1/shelves/1/books/2", token("rs256")).status(),
            503);
  JwksCache serving;
  EXPECT_TRUE(Remote(serving, config)->WaitForFetchCount(1, absl::Seconds(30)));
}

TEST_F(AuthStageTest, AJwksServerTheCaDoesNotVouchForIsNeverTrusted) {
  auto config = Config(server_->uri());
  // The system store does not know the test CA.
  config.mutable_auth()->mutable_jwt_providers(0)->clear_jwks_ca_file();
  auto stage = MakeStage(cache_, config);
  EXPECT_EQ(Remote(cache_, config)->keys(), nullptr);
  EXPECT_EQ(Get(*stage, "/v1/shelves/1/books/2", token("rs256")).status(), 503);
}

TEST_F(AuthStageTest, LastGoodKeysStayWhenTheServerGoesAway) {
  JwksServer server(*env_);
  auto config = Config(server.uri());
  config.mutable_auth()
      ->mutable_jwt_providers(0)
      ->mutable_jwks_cache()
      ->set_seconds(1);
  auto stage = MakeStage(cache_, config);
  server.Stop();
  std::shared_ptr<RemoteJwks> remote = Remote(cache_, config);
  // The second fetch after the stop certainly found no server.
  const uint64_t fetches = remote->fetch_count();
  ASSERT_TRUE(remote->WaitForFetchCount(fetches + 2, absl::Seconds(30)));
  const Outcome out = Get(*stage, "/v1/shelves/1/books/2", token("ps384"));
  EXPECT_EQ(out.status(), 0) << out.verdict.response.body;
}

TEST_F(AuthStageTest, AReloadWithTheSameProviderKeepsItsKeys) {
  std::shared_ptr<RemoteJwks> first = Remote(cache_, Config(server_->uri()));
  auto stage = AuthStage::Create(Config(server_->uri()), Routes(), cache_);
  ASSERT_TRUE(stage.ok());
  EXPECT_EQ(Remote(cache_, Config(server_->uri())), first);
  // No wait for a fetch: the keys are there at once.
  EXPECT_EQ(Get(**stage, "/v1/shelves/1/books/2", token("es512")).status(), 0);
}

TEST_F(AuthStageTest, CachedTokensStillCheckTheRoute) {
  ASSERT_EQ(Get(*stage_, "/v1/shelves/1/books/2", token("read_only")).status(),
            0);
  EXPECT_EQ(Call(*stage_, "POST", "/v1/shelves",
                 {{"Authorization", "Bearer " + token("read_only")}})
                .status(),
            403);
  EXPECT_EQ(Get(*stage_, "/v1/shelves/1", token("read_only")).status(), 401);
}

}  // namespace
}  // namespace protogate::auth
