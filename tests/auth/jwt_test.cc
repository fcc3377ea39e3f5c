// Tests of ParseJwt and DecodeBase64Url on hand-made tokens (the signature
// checks are in auth_stage_test.cc, with tokens from python3-jwt).
#include "gateway/auth/jwt.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace protogate::auth {
namespace {

std::string B64(std::string_view text) {
  return absl::WebSafeBase64Escape(absl::string_view(text.data(), text.size()));
}

std::string Token(std::string_view header, std::string_view payload) {
  return absl::StrCat(B64(header), ".", B64(payload), ".", B64("sig"));
}

TEST(JwtTest, ReadsHeaderAndClaims) {
  const std::string token = Token(
      R"({"alg":"ES256","kid":"k1"})",
      R"({"iss":"i","sub":"s","aud":["a","b"],"exp":10.7,"nbf":5,"iat":4,)"
      R"("scope":"x  y","scp":["z"],"n":{"k":true}})");
  absl::StatusOr<Jwt> jwt = ParseJwt(token);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  EXPECT_EQ(jwt->algorithm, JwsAlgorithm::kEs256);
  EXPECT_EQ(jwt->key_id, "k1");
  EXPECT_EQ(jwt->signature, "sig");
  EXPECT_EQ(jwt->signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(jwt->claims.issuer, "i");
  EXPECT_EQ(jwt->claims.subject, "s");
  EXPECT_EQ(jwt->claims.audiences, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(jwt->claims.expires_at, 10);
  EXPECT_EQ(jwt->claims.not_before, 5);
  EXPECT_EQ(jwt->claims.issued_at, 4);
  EXPECT_EQ(jwt->claims.scopes, (std::vector<std::string>{"x", "y", "z"}));
  ASSERT_EQ(jwt->claims.text.size(), 9u);
  EXPECT_EQ(jwt->claims.text.back().second, R"({"k":true})");
}

// A claim that is not a string is kept as JSON text: a control byte in a
// string inside it is escaped, even 0x1A..0x1F past RapidJSON's 16-byte
// SSE2 scan (base/json_control_bytes.h).
TEST(JwtTest, ObjectClaimTextEscapesEveryControlByte) {
  const std::string token =
      Token(R"({"alg":"ES256"})",
            R"({"n":["0123456789abcdefghij\u001b\u001f\u001a\n"]})");
  absl::StatusOr<Jwt> jwt = ParseJwt(token);
  ASSERT_TRUE(jwt.ok()) << jwt.status();
  ASSERT_EQ(jwt->claims.text.size(), 1u);
  EXPECT_EQ(jwt->claims.text[0].second,
            R"(["0123456789abcdefghij\u001B\u001F\u001A\n"])");
}

TEST(JwtTest, RefusesAlgNoneAndUnknownAlgorithms) {
  for (const char* alg : {"none", "None", "RS1", "ES256K", ""}) {
    absl::StatusOr<Jwt> jwt =
        ParseJwt(Token(absl::StrCat(R"({"alg":")", alg, R"("})"), "{}"));
    EXPECT_EQ(jwt.status().message(), "algorithm not accepted") << alg;
    EXPECT_EQ(jwt.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(JwtTest, RefusesMalformedParts) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "malformed token: not three parts"},
      {"a.b.c.d", "malformed token: not three parts"},
      {absl::StrCat(B64(R"({"alg":"RS256"})"), "==.e30.c2ln"),
       "malformed token: header is not base64url"},
      {absl::StrCat(B64("[1]"), ".e30.c2ln"),
       "malformed token: header is not a JSON object"},
      {absl::StrCat(B64(R"({"alg":"RS256"})"), ".", B64("{\"a\":"), ".c2ln"),
       "malformed token: payload is not a JSON object"},
      {absl::StrCat(B64(R"({"alg":"RS256"})"), ".e30."),
       "malformed token: signature is not base64url"},
      {absl::StrCat(B64(R"({"alg":"RS256"})"), ".e30.c2ln+"),
       "malformed token: signature is not base64url"},
      {Token(R"({"alg":"RS256","crit":["b64"]})", "{}"),
       "critical header not supported"},
      {Token(R"({"alg":"RS256","kid":1})", "{}"),
       "malformed token: kid is not a string"},
      {Token(R"({"alg":"RS256"})", R"({"exp":"soon"})"),
       "malformed token: claim exp is not a number"},
      {Token(R"({"alg":"RS256"})", R"({"aud":[1]})"),
       "malformed token: claim aud has a non-string"},
      {Token(R"({"alg":"RS256"})", R"({"exp":1e300})"),
       "malformed token: claim exp is out of range"},
      {std::string(kMaxTokenBytes + 1, 'a'), "token too large"},
  };
  for (const auto& [token, message] : cases) {
    EXPECT_EQ(ParseJwt(token).status().message(), message) << token;
  }
}

TEST(JwtTest, Base64UrlIsStrict) {
  EXPECT_EQ(DecodeBase64Url("aGk"), "hi");
  EXPECT_EQ(DecodeBase64Url(""), "");
  EXPECT_FALSE(DecodeBase64Url("aGk=").has_value());
  EXPECT_FALSE(DecodeBase64Url("a").has_value());
  EXPECT_FALSE(DecodeBase64Url("a+b/").has_value());
}

}  // namespace
}  // namespace protogate::auth
