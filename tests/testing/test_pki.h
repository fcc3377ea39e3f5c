// TestPki: a throw-away certificate authority for TLS tests, made with the
// `openssl` command-line tool in a temporary directory: a CA, server
// certificates for 127.0.0.1/localhost and client certificates, each with
// the subject and serial the test asks for (P-256 keys, valid two days).
// Nothing is committed: every run makes its own keys.
//
// Thread safety: one thread. The destructor removes the directory.
//
// Example:
//   auto pki = TestPki::Create();
//   ASSERT_TRUE(pki->IssueServer("server", "CN=gw.test", 7).ok());
//   ... tls: {cert_file: pki->Cert("server"), key_file: pki->Key("server")}
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/child_process.h"

namespace protogate::testing {

class TestPki {
 public:
  static absl::StatusOr<std::unique_ptr<TestPki>> Create() {
    char tmpl[] = "/tmp/protogate-pki-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      return absl::InternalError("mkdtemp failed");
    }
    std::unique_ptr<TestPki> pki(new TestPki(tmpl));
    absl::Status s =
        pki->Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                  pki->Key("ca"), "-out", pki->Cert("ca"), "-days", "2",
                  "-subj", "/O=protogate tests/CN=test CA"});
    if (!s.ok()) return s;
    return pki;
  }
  ~TestPki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // A server certificate (SAN 127.0.0.1 and localhost) signed by the CA.
  // `subject` in openssl's "/CN=x/O=y" form.
  absl::Status IssueServer(const std::string& name, const std::string& subject,
                           int serial) {
    return Issue(name, subject, serial,
                 "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                 "extendedKeyUsage=serverAuth\n");
  }
  // A client certificate signed by the CA.
  absl::Status IssueClient(const std::string& name, const std::string& subject,
                           int serial) {
    return Issue(name, subject, serial, "extendedKeyUsage=clientAuth\n");
  }
  // A self-signed certificate (no CA), e.g. an untrusted client.
  absl::Status SelfSigned(const std::string& name, const std::string& subject) {
    return Run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", Key(name),
                "-out", Cert(name), "-days", "2", "-subj", subject});
  }

  const std::string& dir() const { return dir_; }
  std::string Cert(const std::string& name) const {
    return absl::StrCat(dir_, "/", name, ".pem");
  }
  std::string Key(const std::string& name) const {
    return absl::StrCat(dir_, "/", name, ".key");
  }
  std::string CaFile() const { return Cert("ca"); }

 private:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}

  absl::Status Issue(const std::string& name, const std::string& subject,
                     int serial, const std::string& extensions) {
    const std::string csr = absl::StrCat(dir_, "/", name, ".csr");
    const std::string ext = absl::StrCat(dir_, "/", name, ".ext");
    std::ofstream(ext) << extensions;
    absl::Status s = Run({"openssl", "req", "-newkey", "ec", "-pkeyopt",
                          "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                          Key(name), "-out", csr, "-subj", subject});
    if (!s.ok()) return s;
    return Run({"openssl", "x509", "-req", "-in", csr, "-CA", CaFile(),
                "-CAkey", Key("ca"), "-set_serial", std::to_string(serial),
                "-days", "2", "-extfile", ext, "-out", Cert(name)});
  }

  static absl::Status Run(const std::vector<std::string>& argv) {
    std::vector<std::string> full = {"/usr/bin/env"};
    full.insert(full.end(), argv.begin(), argv.end());
    absl::StatusOr<std::unique_ptr<ChildProcess>> child =
        ChildProcess::Start(full);
    if (!child.ok()) return child.status();
    absl::StatusOr<int> code = (*child)->Wait(absl::Seconds(30));
    if (!code.ok()) return code.status();
    if (*code != 0) {
      return absl::InternalError(absl::StrCat(
          "openssl failed: ", (*child)->ReadAllStderr(absl::Seconds(5))));
    }
    return absl::OkStatus();
  }

  std::string dir_;
};

}  // namespace protogate::testing
