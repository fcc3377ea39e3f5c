#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace protogate::config {
namespace {

using ::protogate::testing::TestPki;

class ValidateTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    ASSERT_TRUE(pki_->IssueServer("server", "/CN=gw.test", 1).ok());
    ASSERT_TRUE(pki_->IssueServer("other", "/CN=other.test", 2).ok());
  }
  absl::Status Validate(const std::string& yaml) {
    absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(yaml, "t.yaml");
    EXPECT_TRUE(config.ok()) << config.status();
    return ValidateListenerTls(config.value_or(v1::GatewayConfig()));
  }
  std::string Files() const {
    return absl::StrCat("cert_file: \"", pki_->Cert("server"),
                        "\", key_file: \"", pki_->Key("server"), "\"");
  }
  std::unique_ptr<TestPki> pki_;
};

TEST_F(ValidateTlsTest, AcceptsAKeyPairWithOptionalClientCas) {
  EXPECT_TRUE(Validate("tls: {" + Files() + "}").ok());
  EXPECT_TRUE(Validate("tls: {" + Files() + ", min_version: \"1.3\"}").ok());
  EXPECT_TRUE(Validate(absl::StrCat("tls: {", Files(), ", client_ca_file: \"",
                                    pki_->CaFile(),
                                    "\", client_subject_metadata: "
                                    "x-client-cert-subject}"))
                  .ok());
  EXPECT_TRUE(Validate("server: {tls_handshake_timeout: 2s}").ok());
}

TEST_F(ValidateTlsTest, ErrorsNameTheField) {
  struct Case {
    std::string yaml;
    std::string prefix;  // Of the error message.
  };
  const std::string cert = pki_->Cert("server");
  for (const Case& c : {
           Case{"tls: {cert_file: \"" + cert + "\"}",
                "tls.key_file: required with cert_file"},
           Case{"tls: {key_file: \"" + pki_->Key("server") + "\"}",
                "tls.cert_file: required with key_file"},
           Case{"tls: {min_version: \"1.3\"}", "tls.cert_file: required"},
           Case{"tls: {" + Files() + ", min_version: \"1.1\"}",
                "tls.min_version: \"1.1\" is not"},
           Case{"tls: {" + Files() + ", min_version: \"TLSv1.3\"}",
                "tls.min_version:"},
           Case{"tls: {cert_file: \"" + cert + "\", key_file: \"" +
                    pki_->Key("other") + "\"}",
                "tls.key_file: does not match cert_file"},
           Case{"tls: {cert_file: /nonexistent.pem, key_file: \"" +
                    pki_->Key("server") + "\"}",
                "tls.cert_file: \"/nonexistent.pem\" cannot be read"},
           Case{"tls: {" + Files() + ", client_ca_file: \"" +
                    pki_->Key("server") + "\"}",
                "tls.client_ca_file:"},
           Case{"tls: {" + Files() + ", client_subject_metadata: x-subject}",
                "tls.client_subject_metadata: only with client_ca_file"},
           Case{"tls: {" + Files() + ", client_ca_file: \"" + pki_->CaFile() +
                    "\", client_subject_metadata: X-Subject}",
                "tls.client_subject_metadata:"},
           Case{"server: {tls_handshake_timeout: 0s}",
                "server.tls_handshake_timeout:"},
       }) {
    absl::Status s = Validate(c.yaml);
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << c.yaml;
    EXPECT_TRUE(absl::StartsWith(s.message(), c.prefix)) << c.yaml << "\n" << s;
  }
}

}  // namespace
}  // namespace protogate::config
