// Tests of ParseJwkSet on the JWK set written by python3-jwt
// (tests/auth/jwt_tool.py), changed key by key.
#include "gateway/auth/jwk.h"

#include <string>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "tests/auth/auth_test_env.h"

namespace protogate::auth {
namespace {

class JwkSetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new testing::AuthTestEnv(); }
  static void TearDownTestSuite() { delete env_; }

  // The python-made set with `change` applied to the key with `kid`.
  template <typename Change>
  static std::string Changed(const std::string& kid, Change change) {
    rapidjson::Document doc;
    const std::string jwks = testing::ReadText(env_->www() + "/jwks.json");
    doc.Parse(jwks.data(), jwks.size());
    for (auto& key : doc["keys"].GetArray()) {
      if (key["kid"].GetString() == kid) change(key, doc.GetAllocator());
    }
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    return buffer.GetString();
  }

  static size_t KeyCount(const std::string& json) {
    auto keys = ParseJwkSet(json);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return keys.ok() ? (*keys)->keys().size() : 0;
  }

  static testing::AuthTestEnv* env_;
};

testing::AuthTestEnv* JwkSetTest::env_ = nullptr;

using Allocator = rapidjson::Document::AllocatorType;

TEST_F(JwkSetTest, ReadsEveryKeyTypeAndFitsAlgorithms) {
  auto keys = ParseJwkSet(testing::ReadText(env_->www() + "/jwks.json"));
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ((*keys)->keys().size(), 10u);
  for (const Jwk& key : (*keys)->keys()) {
    const auto alg = JwsAlgorithmFromName(
        key.key_id() == "eddsa" ? std::string("EdDSA")
                                : absl::AsciiStrToUpper(key.key_id()));
    ASSERT_TRUE(alg.has_value()) << key.key_id();
    EXPECT_TRUE(key.Fits(*alg)) << key.key_id();
    EXPECT_FALSE(key.Fits(JwsAlgorithm::kHs256)) << key.key_id();
  }
}

TEST_F(JwkSetTest, KeyTypeMustFitTheAlgorithm) {
  auto keys = ParseJwkSet(testing::ReadText(env_->www() + "/jwks.json"));
  ASSERT_TRUE(keys.ok());
  for (const Jwk& key : (*keys)->keys()) {
    if (key.key_id() == "es256") {
      EXPECT_FALSE(key.Fits(JwsAlgorithm::kEs384));
      EXPECT_FALSE(key.Fits(JwsAlgorithm::kRs256));
    }
    if (key.key_id() == "rs256") {
      // An RSA JWK without "alg" fits every RSA algorithm.
      EXPECT_FALSE(key.Fits(JwsAlgorithm::kEdDsa));
      EXPECT_FALSE(key.Fits(JwsAlgorithm::kEs256));
    }
  }
}

TEST_F(JwkSetTest, SkipsKeysNotForVerifying) {
  EXPECT_EQ(
      KeyCount(Changed("rs256", [](rapidjson::Value& k,
                                   Allocator&) { k["use"].SetString("enc"); })),
      9u);
  EXPECT_EQ(KeyCount(Changed("es256",
                             [](rapidjson::Value& k, Allocator& a) {
                               k.RemoveMember("key_ops");
                               rapidjson::Value ops(rapidjson::kArrayType);
                               ops.PushBack("sign", a);
                               k.AddMember("key_ops", ops, a);
                             })),
            9u);
  EXPECT_EQ(KeyCount(Changed("eddsa",
                             [](rapidjson::Value& k, Allocator& a) {
                               k.AddMember("alg", "HS256", a);
                             })),
            9u);
}

TEST_F(JwkSetTest, SkipsKeysWhoseAlgTheirTypeCannotDo) {
  EXPECT_EQ(KeyCount(Changed("es256",
                             [](rapidjson::Value& k, Allocator& a) {
                               k.AddMember("alg", "RS256", a);
                             })),
            9u);
  EXPECT_EQ(KeyCount(Changed("ps384",
                             [](rapidjson::Value& k, Allocator& a) {
                               k.AddMember("alg", "PS384", a);
                             })),
            10u);
}

TEST_F(JwkSetTest, SkipsBrokenKeys) {
  // A point that is not on the curve.
  EXPECT_EQ(KeyCount(Changed("es384",
                             [](rapidjson::Value& k, Allocator& a) {
                               std::string y = k["y"].GetString();
                               y[5] = y[5] == 'A' ? 'B' : 'A';
                               k["y"].SetString(y.c_str(), a);
                             })),
            9u);
  // An RSA modulus of 1024 bits.
  EXPECT_EQ(KeyCount(Changed("ps256",
                             [](rapidjson::Value& k, Allocator& a) {
                               std::string n = k["n"].GetString();
                               n.resize(171);
                               k["n"].SetString(n.c_str(), a);
                             })),
            9u);
  EXPECT_EQ(
      KeyCount(Changed("rs384", [](rapidjson::Value& k,
                                   Allocator&) { k["kty"].SetString("oct"); })),
      9u);
}

TEST_F(JwkSetTest, RefusesSetsWithoutUsableKeys) {
  EXPECT_EQ(ParseJwkSet(R"({"keys":[]})").status().message(),
            "JWK set has no usable signature key");
  EXPECT_EQ(ParseJwkSet(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})")
                .status()
                .message(),
            "JWK set has no usable signature key");
  EXPECT_EQ(ParseJwkSet("[]").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string many = R"({"keys":[)";
  for (int i = 0; i <= 100; ++i) many += i ? ",{}" : "{}";
  EXPECT_EQ(ParseJwkSet(many + "]}").status().message(),
            "JWK set has more than 100 keys");
}

}  // namespace
}  // namespace protogate::auth
