// Handshakes between a server SSL made from BuildServerContext and an
// OpenSSL client, over an in-memory BIO pair (no sockets needed for what
// OpenSSL negotiates: versions, ALPN, client certificates).
#include "gateway/tls/server_context.h"

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gateway/tls/handshake_failure_log.h"
#include "gateway/tls/peer_certificate.h"
#include "gtest/gtest.h"
#include "tests/testing/test_pki.h"

namespace protogate::tls {
namespace {

using ::protogate::testing::TestPki;

struct ClientOptions {
  int max_version = 0;              // 0: any.
  std::vector<unsigned char> alpn;  // Wire format; empty: no ALPN.
  std::string cert, key;            // Client certificate, if any.
  std::string ca;                   // Verifies the server.
};

struct Outcome {
  bool ok = false;
  std::string alpn;
  std::string subject;  // Server side: the verified client subject.
  int version = 0;
};

Outcome Handshake(SSL_CTX* server_ctx, const ClientOptions& c) {
  SslCtxPtr client_ctx(SSL_CTX_new(TLS_client_method()));
  if (c.max_version != 0) {
    SSL_CTX_set_max_proto_version(client_ctx.get(), c.max_version);
  }
  SSL_CTX_set_security_level(client_ctx.get(), 0);
  if (!c.ca.empty()) {
    SSL_CTX_load_verify_locations(client_ctx.get(), c.ca.c_str(), nullptr);
    SSL_CTX_set_verify(client_ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  if (!c.cert.empty()) {
    SSL_CTX_use_certificate_file(client_ctx.get(), c.cert.c_str(),
                                 SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(client_ctx.get(), c.key.c_str(),
                                SSL_FILETYPE_PEM);
  }
  SSL* client = SSL_new(client_ctx.get());
  SSL* server = SSL_new(server_ctx);
  if (!c.alpn.empty()) {
    SSL_set_alpn_protos(client, c.alpn.data(),
                        static_cast<unsigned int>(c.alpn.size()));
  }
  BIO *client_bio = nullptr, *server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client, client_bio, client_bio);
  SSL_set_bio(server, server_bio, server_bio);
  SSL_set_connect_state(client);
  SSL_set_accept_state(server);
  Outcome outcome;
  bool client_done = false, server_done = false, failed = false;
  for (int round = 0; round < 20 && !failed && !(client_done && server_done);
       ++round) {
    if (!client_done) {
      int r = SSL_do_handshake(client);
      client_done = r == 1;
      failed |= r <= 0 && SSL_get_error(client, r) != SSL_ERROR_WANT_READ;
    }
    if (!server_done) {
      int r = SSL_do_handshake(server);
      server_done = r == 1;
      failed |= r <= 0 && SSL_get_error(server, r) != SSL_ERROR_WANT_READ;
    }
  }
  outcome.ok = client_done && server_done && !failed;
  if (outcome.ok) {
    outcome.alpn = std::string(SelectedAlpn(server));
    outcome.subject = VerifiedPeerSubject(server);
    outcome.version = SSL_version(server);
  }
  SSL_free(client);
  SSL_free(server);
  return outcome;
}

const std::vector<unsigned char> kH2AndHttp11 = {2,   'h', '2', 8,   'h', 't',
                                                 't', 'p', '/', '1', '.', '1'};
const std::vector<unsigned char> kH2Only = {2, 'h', '2'};

class ServerContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    ASSERT_TRUE(pki_->IssueServer("server", "/CN=gw.test", 11).ok());
    ASSERT_TRUE(pki_->IssueClient("alice", "/O=Example/CN=alice", 12).ok());
    ASSERT_TRUE(pki_->SelfSigned("mallory", "/CN=mallory").ok());
  }
  ServerContextOptions Options() const {
    return {.cert_file = pki_->Cert("server"), .key_file = pki_->Key("server")};
  }
  SslCtxPtr Build(const ServerContextOptions& options) {
    absl::StatusOr<SslCtxPtr> ctx = BuildServerContext(options);
    EXPECT_TRUE(ctx.ok()) << ctx.status();
    return ctx.ok() ? *std::move(ctx) : nullptr;
  }
  std::unique_ptr<TestPki> pki_;
};

TEST_F(ServerContextTest, NegotiatesTls13AndHttp11ByDefault) {
  SslCtxPtr ctx = Build(Options());
  Outcome o =
      Handshake(ctx.get(), {.alpn = kH2AndHttp11, .ca = pki_->CaFile()});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.version, TLS1_3_VERSION);
  EXPECT_EQ(o.alpn, "http/1.1");  // h2 is not offered by default.
  EXPECT_EQ(o.subject, "");
}

TEST_F(ServerContextTest, SelectsH2WhenOffered) {
  ServerContextOptions options = Options();
  options.alpn = AlpnProtocols::kH2AndHttp11;
  SslCtxPtr ctx = Build(options);
  EXPECT_EQ(Handshake(ctx.get(), {.alpn = kH2AndHttp11}).alpn, "h2");
}

TEST_F(ServerContextTest, RefusesAClientThatSpeaksOnlyUnofferedProtocols) {
  SslCtxPtr ctx = Build(Options());
  EXPECT_FALSE(Handshake(ctx.get(), {.alpn = kH2Only}).ok);
  // No ALPN at all is HTTP/1.1.
  Outcome o = Handshake(ctx.get(), {});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.alpn, "");
}

TEST_F(ServerContextTest, AcceptsTls12AndRefusesTls11) {
  SslCtxPtr ctx = Build(Options());
  Outcome o = Handshake(ctx.get(), {.max_version = TLS1_2_VERSION});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.version, TLS1_2_VERSION);
  EXPECT_FALSE(Handshake(ctx.get(), {.max_version = TLS1_1_VERSION}).ok);
}

TEST_F(ServerContextTest, MinVersion13RefusesTls12) {
  ServerContextOptions options = Options();
  options.min_version = MinVersion::kTls13;
  SslCtxPtr ctx = Build(options);
  EXPECT_FALSE(Handshake(ctx.get(), {.max_version = TLS1_2_VERSION}).ok);
  EXPECT_TRUE(Handshake(ctx.get(), {}).ok);
}

TEST_F(ServerContextTest, ClientCaRequiresAndVerifiesClientCertificates) {
  ServerContextOptions options = Options();
  options.client_ca_file = pki_->CaFile();
  SslCtxPtr ctx = Build(options);
  EXPECT_FALSE(Handshake(ctx.get(), {}).ok);  // No certificate.
  EXPECT_FALSE(Handshake(ctx.get(), {.cert = pki_->Cert("mallory"),
                                     .key = pki_->Key("mallory")})
                   .ok);  // Not issued by the CA.
  Outcome o = Handshake(
      ctx.get(), {.cert = pki_->Cert("alice"), .key = pki_->Key("alice")});
  ASSERT_TRUE(o.ok);
  EXPECT_EQ(o.subject, "CN=alice,O=Example");
}

TEST_F(ServerContextTest, NamesTheFieldOfABadFile) {
  ServerContextOptions options = Options();
  options.key_file = pki_->Key("alice");  // Another certificate's key.
  absl::StatusOr<SslCtxPtr> ctx = BuildServerContext(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(ctx.status().message(),
                               "key_file: does not match cert_file"))
      << ctx.status();

  options = Options();
  options.cert_file = pki_->dir() + "/missing.pem";
  ctx = BuildServerContext(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_TRUE(absl::StartsWith(ctx.status().message(), "cert_file: \""))
      << ctx.status();
  EXPECT_TRUE(absl::EndsWith(ctx.status().message(), "cannot be read"));

  options = Options();
  options.cert_file = pki_->Key("server");  // A key, not a certificate.
  ctx = BuildServerContext(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_TRUE(absl::StartsWith(ctx.status().message(), "cert_file: "))
      << ctx.status();
  EXPECT_NE(ctx.status().message().find("holds no PEM certificate"),
            std::string::npos);
}

TEST(ParseMinVersionTest, AcceptsOnly12And13) {
  EXPECT_EQ(*ParseMinVersion(""), MinVersion::kTls12);
  EXPECT_EQ(*ParseMinVersion("1.2"), MinVersion::kTls12);
  EXPECT_EQ(*ParseMinVersion("1.3"), MinVersion::kTls13);
  absl::StatusOr<MinVersion> bad = ParseMinVersion("1.1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "min_version: \"1.1\""));
}

TEST(HandshakeFailureLogTest, LogsEachPeerOncePerIntervalWithinABound) {
  HandshakeFailureLog log({.max_peers = 2, .interval = absl::Minutes(1)});
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  EXPECT_TRUE(log.ShouldLog("10.0.0.1", t0));
  EXPECT_FALSE(log.ShouldLog("10.0.0.1", t0));
  EXPECT_TRUE(log.ShouldLog("10.0.0.2", t0));
  EXPECT_FALSE(log.ShouldLog("10.0.0.3", t0));  // Bound reached.
  const absl::Time t1 = t0 + absl::Minutes(1);
  EXPECT_TRUE(log.ShouldLog("10.0.0.3", t1));  // A new interval.
  EXPECT_TRUE(log.ShouldLog("10.0.0.1", t1));
}

}  // namespace
}  // namespace protogate::tls
