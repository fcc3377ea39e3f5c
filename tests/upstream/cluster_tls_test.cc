// TLS from a cluster to a real gRPC backend using the test PKI in
// tests/testdata/tls (the tests run in the source root).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "absl/time/clock.h"
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

// One ListShelves through a one-cluster Upstreams with `tls`.
absl::Status CallWithTls(const GrpcTestBackend& backend, TlsSpec tls) {
  UpstreamsConfig config;
  config.clusters.push_back({.name = "secure",
                             .endpoints = {backend.address()},
                             .tls = std::move(tls)});
  config.routes.push_back({.service = "demo", .cluster = "secure"});
  auto upstreams = Upstreams::CreateFromConfig(std::move(config), {});
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

}  // namespace
}  // namespace protogate::upstream::testing
