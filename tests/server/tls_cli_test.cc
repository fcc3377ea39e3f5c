// The real `protogate` binary terminating TLS, driven by curl: TLS 1.2 and
// 1.3 with ALPN, versions below tls.min_version refused, mutual TLS with the
// verified subject reaching the backend (and back through the header
// rules), the certificate reloaded when its files change while an old
// keep-alive connection keeps working, and failed handshakes counted in
// /-/metrics.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gateway/server/flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/gateway_process.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/tls_client.h"

namespace protogate::server {
namespace {

using testing::ChildProcess;
using testing::GatewayProcess;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestPki;
using testing::TlsClient;

struct CurlResult {
  int exit_code = -1;
  std::string output;  // stdout.
};

// Runs curl with `args` (-sS added; the URL last) and returns its exit code
// and output.
CurlResult Curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/usr/bin/env", "curl", "-sS", "--max-time",
                                   "20"};
  argv.insert(argv.end(), args.begin(), args.end());
  // Output is read by lines: end the last one.
  if (std::find(args.begin(), args.end(), "-w") == args.end()) {
    argv.insert(argv.end() - 1, {"-w", "\\n"});
  }
  CurlResult result;
  auto child = ChildProcess::Start(argv);
  EXPECT_TRUE(child.ok()) << child.status();
  if (!child.ok()) return result;
  std::vector<std::string> lines;
  while (true) {
    absl::StatusOr<std::string> line =
        (*child)->ReadStdoutLine(absl::Seconds(30));
    if (!line.ok()) break;
    lines.push_back(*std::move(line));
  }
  result.output = absl::StrJoin(lines, "\n");
  absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(30));
  result.exit_code = code.ok() ? *code : -1;
  return result;
}

void Install(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to + ".tmp",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::rename(to + ".tmp", to);
}

class TlsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Create();
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *std::move(pki);
    ASSERT_TRUE(pki_->IssueServer("one", "/CN=gw.test", 201).ok());
    ASSERT_TRUE(pki_->IssueServer("two", "/CN=gw.test", 202).ok());
    ASSERT_TRUE(pki_->IssueClient("alice", "/O=Example/CN=alice", 9).ok());
    ASSERT_TRUE(pki_->SelfSigned("mallory", "/CN=mallory").ok());
    cert_ = pki_->dir() + "/live.pem";
    key_ = pki_->dir() + "/live.key";
    Install(pki_->Cert("one"), cert_);
    Install(pki_->Key("one"), key_);
  }
  std::string TlsFiles() const {
    return absl::StrCat("cert_file: \"", cert_, "\", key_file: \"", key_, "\"");
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("https://127.0.0.1:", gateway_.port(), path);
  }
  // Waits up to 10 s for /-/metrics to contain `needle`.
  std::string WaitForMetric(const std::string& needle) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    std::string body;
    while (absl::Now() < deadline) {
      body = Curl({"--cacert", pki_->CaFile(), Url("/-/metrics")}).output;
      if (absl::StrContains(body, needle)) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return body;
  }

  std::unique_ptr<TestPki> pki_;
  std::string cert_, key_;
  GatewayProcess gateway_;
};

// curl offers h2 and http/1.1 by ALPN: the listener picks h2 (HTTP/2 over
// TLS), and http/1.1 for a client that offers only that.
TEST_F(TlsCliTest, ServesTls12AndTls13WithH2AndHttp11Alpn) {
  ASSERT_TRUE(gateway_.Start("tls: {" + TlsFiles() + "}\n").ok());
  for (const std::vector<std::string>& version :
       {std::vector<std::string>{"--tlsv1.2", "--tls-max", "1.2"},
        std::vector<std::string>{"--tlsv1.3"}}) {
    std::vector<std::string> args = {
        "--cacert", pki_->CaFile(), "--http2", "-w",
        "\\nversion=%{http_version} code=%{http_code}\\n"};
    args.insert(args.end(), version.begin(), version.end());
    args.push_back(Url("/v1/shelves/2"));
    CurlResult r = Curl(args);
    EXPECT_EQ(r.exit_code, 0) << version[0] << ": " << r.output;
    EXPECT_THAT(r.output, HasSubstr(R"({"id":"2","theme":"Science")"));
    EXPECT_THAT(r.output, HasSubstr("version=2 code=200"));
    std::replace(args.begin(), args.end(), std::string("--http2"),
                 std::string("--http1.1"));
    CurlResult h1 = Curl(args);
    EXPECT_EQ(h1.exit_code, 0) << version[0] << ": " << h1.output;
    EXPECT_THAT(h1.output, HasSubstr("version=1.1 code=200"));
  }
}

TEST_F(TlsCliTest, RefusesVersionsBelowMinVersion) {
  ASSERT_TRUE(gateway_.Start("tls: {" + TlsFiles() + "}\n").ok());
  // TLS 1.1 (the client lowers its own security level to offer it).
  CurlResult r =
      Curl({"--cacert", pki_->CaFile(), "--ciphers", "DEFAULT@SECLEVEL=0",
            "--tlsv1.1", "--tls-max", "1.1", Url("/v1/shelves/2")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(WaitForMetric("protogate_tls_handshake_failures_total 1"),
              HasSubstr("protogate_tls_handshake_failures_total 1"));

  GatewayProcess strict;
  ASSERT_TRUE(
      strict.Start("tls: {" + TlsFiles() + ", min_version: \"1.3\"}\n").ok());
  const std::string url =
      absl::StrCat("https://127.0.0.1:", strict.port(), "/v1/shelves/2");
  EXPECT_NE(
      Curl({"--cacert", pki_->CaFile(), "--tls-max", "1.2", url}).exit_code, 0);
  r = Curl({"--cacert", pki_->CaFile(), "--tlsv1.3", url});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(R"("theme":"Science")"));
}

TEST_F(TlsCliTest, ClientCertificateRequiredAndSubjectReachesTheBackend) {
  // The backend echoes x-demo-echo-* metadata as trailers; forward_response
  // copies them into the HTTP response.
  ASSERT_TRUE(
      gateway_
          .Start(absl::StrCat(
              "tls: {", TlsFiles(), ", client_ca_file: \"", pki_->CaFile(),
              "\", client_subject_metadata: x-demo-echo-subject}\n",
              "headers: {forward_prefixes: [x-demo-echo-], "
              "forward_response: [{prefix: x-demo-echo-}]}\n"))
          .ok());
  CurlResult r = Curl({"--cacert", pki_->CaFile(), "-D", "-", "--cert",
                       pki_->Cert("alice"), "--key", pki_->Key("alice"), "-H",
                       "x-demo-echo-subject: CN=forged", Url("/v1/shelves/2")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("x-demo-echo-subject: CN=alice,O=Example"));
  EXPECT_THAT(r.output, Not(HasSubstr("forged")));

  // No certificate, or one the CAs did not issue: no request gets through.
  EXPECT_NE(Curl({"--cacert", pki_->CaFile(), Url("/v1/shelves/2")}).exit_code,
            0);
  EXPECT_NE(Curl({"--cacert", pki_->CaFile(), "--cert", pki_->Cert("mallory"),
                  "--key", pki_->Key("mallory"), Url("/v1/shelves/2")})
                .exit_code,
            0);
}

TEST_F(TlsCliTest, ReloadsTheCertificateWhenItsFilesChange) {
  ASSERT_TRUE(gateway_.Start("tls: {" + TlsFiles() + "}\n").ok());
  auto old_client =
      TlsClient::Connect(gateway_.port(), {.ca_file = pki_->CaFile()});
  ASSERT_TRUE(old_client.ok()) << old_client.status();
  EXPECT_EQ((*old_client)->PeerSerial(), 201);
  ASSERT_TRUE((*old_client)->Get("/v1/shelves/2").ok());

  Install(pki_->Key("two"), key_);
  Install(pki_->Cert("two"), cert_);
  // The file watcher (1 s, debounced) reloads it: wait for a new
  // connection to see the new certificate.
  long serial = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (serial != 202 && absl::Now() < deadline) {
    auto client =
        TlsClient::Connect(gateway_.port(), {.ca_file = pki_->CaFile()});
    ASSERT_TRUE(client.ok()) << client.status();
    serial = (*client)->PeerSerial();
    if (serial != 202) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(serial, 202);

  // The connection made before keeps its certificate and keeps serving.
  absl::StatusOr<std::string> response = (*old_client)->Get("/v1/shelves/2");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(absl::StartsWith(*response, "HTTP/1.1 200")) << *response;
  EXPECT_EQ((*old_client)->PeerSerial(), 201);
}

TEST_F(TlsCliTest, SilentAndGarbageClientsAreClosedAndCounted) {
  ASSERT_TRUE(gateway_
                  .Start("tls: {" + TlsFiles() +
                         "}\nserver: {tls_handshake_timeout: 0.3s}\n")
                  .ok());
  for (const std::string& send : {std::string(), std::string("GARBAGE\r\n")}) {
    absl::StatusOr<int> fd = testing::ConnectLoopback(gateway_.port());
    ASSERT_TRUE(fd.ok());
    if (!send.empty()) ::send(*fd, send.data(), send.size(), 0);
    char buf[256];
    ssize_t n;
    while ((n = ::recv(*fd, buf, sizeof(buf), 0)) > 0) {
    }
    // EOF or reset, not the 10 s receive timeout (EAGAIN).
    EXPECT_TRUE(n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK));
    ::close(*fd);
  }
  EXPECT_THAT(WaitForMetric("protogate_tls_handshake_failures_total 2"),
              HasSubstr("protogate_tls_handshake_failures_total 2"));
}

TEST_F(TlsCliTest, TlsFlagsOverrideTheConfigAndAreValidated) {
  const std::string descriptors = testing::BinDir() + "/proto/bookstore.binpb";
  absl::StatusOr<GatewayFlags> flags =
      ParseFlags({"--descriptor_set", descriptors.c_str(), "--tls_cert",
                  cert_.c_str(), "--tls_key", key_.c_str()});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->config.tls().cert_file(), cert_);
  EXPECT_EQ(flags->config.tls().key_file(), key_);

  flags = ParseFlags(
      {"--descriptor_set", descriptors.c_str(), "--tls_cert", cert_.c_str()});
  ASSERT_FALSE(flags.ok());
  EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(flags.status().message()),
              HasSubstr("tls.key_file: required with cert_file"));

  const std::string other_key = pki_->Key("two");
  flags = ParseFlags({"--descriptor_set", descriptors.c_str(), "--tls_cert",
                      cert_.c_str(), "--tls_key", other_key.c_str()});
  ASSERT_FALSE(flags.ok());
  EXPECT_THAT(std::string(flags.status().message()),
              HasSubstr("tls.key_file: does not match cert_file"));
}

}  // namespace
}  // namespace protogate::server
