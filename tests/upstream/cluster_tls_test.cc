// TLS from a cluster to a real gRPC backend, through protogate's own HTTP/2
// client (OpenSSL, ALPN h2): with the test PKI in tests/testdata/tls (the
// tests run in the source root), and with a CA the test makes itself.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "demo/bookstore.pb.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/grpc_test_backend.h"
#include "tests/upstream/upstream_test_util.h"

namespace protogate::upstream::testing {
namespace {

using ::protogate::testing::GrpcTestBackend;

constexpr char kDir[] = "tests/testdata/tls/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << path;
  return s.str();
}

std::string Read(const std::string& name) {
  std::ifstream in(kDir + name);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

std::shared_ptr<grpc::ServerCredentials> ServerTls(bool require_client_cert) {
  grpc::SslServerCredentialsOptions options(
      require_client_cert
          ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
          : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  options.pem_root_certs = Read("ca.pem");
  options.pem_key_cert_pairs.push_back(
      {.private_key = Read("server.key"), .cert_chain = Read("server.pem")});
  return grpc::SslServerCredentials(options);
}

// A cluster's `tls` block.
struct TlsFiles {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
};

// A config with the one cluster "secure" of `address` (routes "demo").
config::v1::GatewayConfig SecureCluster(const std::string& address,
                                        const TlsFiles& files) {
  config::v1::GatewayConfig config;
  config::v1::Cluster* cluster = config.add_clusters();
  cluster->set_name("secure");
  cluster->add_endpoints(address);
  config::v1::TlsConfig* tls = cluster->mutable_tls();
  tls->set_ca_file(files.ca_file);
  tls->set_cert_file(files.cert_file);
  tls->set_key_file(files.key_file);
  tls->set_server_name(files.server_name);
  config::v1::ServiceRoute* route = config.add_routes();
  route->set_service("demo");
  route->set_cluster("secure");
  return config;
}

// One ListShelves through a one-cluster Upstreams with `tls`.
absl::Status CallWithTls(const GrpcTestBackend& backend, const TlsFiles& tls) {
  auto upstreams = Upstreams::Create(SecureCluster(backend.address(), tls), {});
  if (!upstreams.ok()) return upstreams.status();
  CallRequest request{.method = BookstoreMethod("ListShelves"),
                      .payload = google::protobuf::Empty().SerializeAsString(),
                      .deadline = absl::Now() + absl::Seconds(10)};
  return CallAndWait(*(*upstreams)->Resolve("demo.bookstore.v1.Bookstore"),
                     std::move(request))
      .status;
}

TEST(ClusterTlsTest, CallsABackendVerifiedByTheConfiguredCa) {
  auto backend = GrpcTestBackend::Start(ServerTls(false));
  ASSERT_NE(backend, nullptr);
  // The certificate names 127.0.0.1, the endpoint's host.
  EXPECT_TRUE(
      CallWithTls(*backend, {.ca_file = std::string(kDir) + "ca.pem"}).ok());
  // ... and backend.test, checked when given as server_name.
  EXPECT_TRUE(CallWithTls(*backend, {.ca_file = std::string(kDir) + "ca.pem",
                                     .server_name = "backend.test"})
                  .ok());
  EXPECT_EQ(backend->calls(), 2);
}

TEST(ClusterTlsTest, RefusesAServerNameTheCertificateDoesNotHave) {
  auto backend = GrpcTestBackend::Start(ServerTls(false));
  ASSERT_NE(backend, nullptr);
  absl::Status s = CallWithTls(
      *backend,
      {.ca_file = std::string(kDir) + "ca.pem", .server_name = "other.test"});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(backend->calls(), 0);
}

TEST(ClusterTlsTest, RefusesABackendSignedByAnotherCa) {
  auto backend = GrpcTestBackend::Start(ServerTls(false));
  ASSERT_NE(backend, nullptr);
  // client.pem is no CA and did not sign server.pem.
  absl::Status s =
      CallWithTls(*backend, {.ca_file = std::string(kDir) + "client.pem"});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(backend->calls(), 0);
}

TEST(ClusterTlsTest, SendsTheClientCertificateForMutualTls) {
  auto backend = GrpcTestBackend::Start(ServerTls(true));
  ASSERT_NE(backend, nullptr);
  EXPECT_TRUE(
      CallWithTls(*backend, {.ca_file = std::string(kDir) + "ca.pem",
                             .cert_file = std::string(kDir) + "client.pem",
                             .key_file = std::string(kDir) + "client.key"})
          .ok());
  EXPECT_EQ(backend->calls(), 1);
  absl::Status without =
      CallWithTls(*backend, {.ca_file = std::string(kDir) + "ca.pem"});
  EXPECT_EQ(without.code(), absl::StatusCode::kUnavailable) << without;
  EXPECT_EQ(backend->calls(), 1);
}

// A fresh CA and a server certificate for 127.0.0.1 it signed (P-256 keys,
// valid one day), made with the openssl command in a temporary directory.
class GeneratedPki {
 public:
  GeneratedPki() {
    char dir[] = "/tmp/protogate-pki-XXXXXX";
    EXPECT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    const std::string d = dir_ + "/";
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1";
    std::ofstream(d + "server.ext")
        << "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
    const std::string commands[] = {
        "openssl req -x509 -nodes -days 1 -subj /CN=generated-ca" + key +
            " -keyout " + d + "ca.key -out " + d + "ca.pem",
        "openssl req -nodes -subj /CN=127.0.0.1" + key + " -keyout " + d +
            "server.key -out " + d + "server.csr",
        "openssl x509 -req -days 1 -in " + d + "server.csr -CA " + d +
            "ca.pem -CAkey " + d + "ca.key -CAcreateserial -extfile " + d +
            "server.ext -out " + d + "server.pem"};
    for (const std::string& command : commands) {
      ok_ = ok_ && std::system((command + " 2>/dev/null").c_str()) == 0;
    }
    EXPECT_TRUE(ok_) << "openssl could not make the test PKI";
  }
  ~GeneratedPki() { std::filesystem::remove_all(dir_); }

  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const {
    grpc::SslServerCredentialsOptions options(
        GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_key_cert_pairs.push_back(
        {.private_key = ReadFile(path("server.key")),
         .cert_chain = ReadFile(path("server.pem"))});
    return grpc::SslServerCredentials(options);
  }

 private:
  std::string dir_;
  bool ok_ = true;
};

TEST(ClusterTlsTest, GeneratedCaServesUnaryAndServerStreamingCalls) {
  GeneratedPki pki;
  ASSERT_TRUE(pki.ok());
  auto backend = GrpcTestBackend::Start(pki.ServerCredentials());
  ASSERT_NE(backend, nullptr);
  auto upstreams = Upstreams::Create(
      SecureCluster(backend->address(), {.ca_file = pki.path("ca.pem")}), {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  Channel& channel = *(*upstreams)->Resolve("demo.bookstore.v1.Bookstore");
  CallResult unary = CallAndWait(
      channel, {.method = BookstoreMethod("ListShelves"),
                .payload = google::protobuf::Empty().SerializeAsString(),
                .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_TRUE(unary.status.ok()) << unary.status;
  ::demo::bookstore::v1::StreamBooksRequest request;
  request.set_shelf(1);
  request.set_repeat(2);
  StreamOutcome stream =
      StreamAndWait(channel, {.method = BookstoreMethod("StreamBooks"),
                              .messages = {request.SerializeAsString()},
                              .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_TRUE(stream.result.status.ok()) << stream.result.status;
  EXPECT_EQ(stream.messages.size(), 6u);
  EXPECT_EQ(backend->calls(), 2);
}

// A CA the backend's certificate does not chain to: the handshake fails
// and no call reaches the backend.
TEST(ClusterTlsTest, GeneratedCaIsRefusedByAnotherCasBackend) {
  GeneratedPki pki;
  ASSERT_TRUE(pki.ok());
  auto backend = GrpcTestBackend::Start(ServerTls(false));
  ASSERT_NE(backend, nullptr);
  absl::Status s = CallWithTls(*backend, {.ca_file = pki.path("ca.pem")});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(backend->calls(), 0);
}

}  // namespace
}  // namespace protogate::upstream::testing
