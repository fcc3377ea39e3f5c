// AuthTestEnv: what the auth tests share: a temporary directory with keys
// made by tests/auth/jwt_tool.py (Debian python3-jwt and
// python3-cryptography, independent of the gateway's OpenSSL code), a CA
// and a server certificate for 127.0.0.1 made with the openssl CLI, tokens
// minted by jwt_tool.py, and JwksServer, a real HTTPS server (python3
// http.server with ssl) serving `www/jwks.json` of the directory.
//
// Thread safety: used from the test thread only.
// Ownership: the fixture directory stays for later test processes; a
// JwksServer kills and reaps its process when stopped or destroyed.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace protogate::auth::testing {

inline constexpr char kPython[] = "/usr/bin/python3";

inline std::string ToolPath() {
  return std::string(PROTOGATE_SOURCE_DIR) + "/tests/auth/jwt_tool.py";
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void WriteText(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  std::ofstream(temporary, std::ios::binary) << text;
  std::filesystem::rename(temporary, path);  // Readers see old or new.
}

// Runs a shell command; its stdout. Fails the test when it exits non-zero.
inline std::string Run(const std::string& command,
                       const std::string& input = "") {
  const std::string input_file = std::filesystem::temp_directory_path() /
                                 absl::StrCat("protogate-auth-in-", getpid());
  WriteText(input_file, input);
  FILE* pipe = popen((command + " < " + input_file).c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  const int status = pclose(pipe);
  std::filesystem::remove(input_file);
  EXPECT_EQ(status, 0) << command;
  return out;
}

class AuthTestEnv {
 public:
  // Keys and certificates are made once per build tree (in
  // $PROTOGATE_TEST_BIN_DIR/auth-fixture, else a temporary directory) and
  // reused by the test processes after it: made in a scratch directory,
  // then renamed into place, so concurrent processes never see half of it.
  AuthTestEnv() {
    const char* bin = std::getenv("PROTOGATE_TEST_BIN_DIR");
    std::filesystem::path parent = bin != nullptr
                                       ? std::filesystem::path(bin)
                                       : std::filesystem::temp_directory_path();
    dir_ = (parent / "auth-fixture-v1").string();
    if (bin == nullptr) dir_ += absl::StrCat("-", getpid());
    if (std::filesystem::exists(dir_ + "/ready")) return;
    const std::string scratch = absl::StrCat(dir_, ".tmp-", getpid());
    std::filesystem::create_directories(scratch + "/www");
    Run(absl::StrCat(kPython, " ", ToolPath(), " keys ", scratch, "/www"));
    MakeCertificates(scratch);
    WriteText(scratch + "/hmac.secret",
              "0123456789abcdef0123456789abcdef-hmac");
    WriteText(scratch + "/ready", "");
    std::error_code error;
    std::filesystem::rename(scratch, dir_, error);
    if (error) std::filesystem::remove_all(scratch);  // Another made it.
  }

  const std::string& dir() const { return dir_; }
  std::string www() const { return dir_ + "/www"; }
  std::string ca_file() const { return dir_ + "/ca.pem"; }

  // One token per request (see jwt_tool.py mint), minted once per fixture
  // directory and kept in `name` (tokens that must stay valid expire in
  // ten years).
  std::vector<std::string> MintOnce(const std::string& name,
                                    const std::string& requests_json) const {
    const std::string path = dir_ + "/" + name;
    std::string out = ReadText(path);
    if (out.empty()) {
      out = Run(absl::StrCat(kPython, " ", ToolPath(), " mint ", www()),
                requests_json);
      WriteText(path, out);
    }
    rapidjson::Document doc;
    doc.Parse(out.data(), out.size());
    std::vector<std::string> tokens;
    if (!doc.IsArray()) {
      ADD_FAILURE() << "mint printed " << out;
      return tokens;
    }
    for (const auto& token : doc.GetArray()) {
      tokens.push_back(token.GetString());
    }
    return tokens;
  }

 private:
  static void MakeCertificates(const std::string& d) {
    Run(absl::StrCat(
        "cd ", d,
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256"
        " -nodes -keyout ca.key -out ca.pem -days 3650"
        " -subj /CN=protogate-test-ca 2>/dev/null"
        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
        " -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null"
        " && printf "
        "'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n'"
        " > ext.cnf"
        " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key"
        " -CAcreateserial -out server.pem -days 3650 -extfile ext.cnf"
        " 2>/dev/null"));
  }

  std::string dir_;
};

// python3 http.server over TLS serving `www`, on a free port.
class JwksServer {
 public:
  explicit JwksServer(const AuthTestEnv& env) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      const std::string tool = ToolPath(), www = env.www(),
                        cert = env.dir() + "/server.pem",
                        key = env.dir() + "/server.key";
      execl(kPython, kPython, tool.c_str(), "serve", www.c_str(), cert.c_str(),
            key.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    if (fscanf(f, "%d", &port_) != 1) port_ = 0;
    fclose(f);
    EXPECT_GT(port_, 0) << "the JWKS server did not start";
  }
  ~JwksServer() { Stop(); }

  int port() const { return port_; }
  std::string uri() const {
    return absl::StrCat("https://127.0.0.1:", port_, "/jwks.json");
  }
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace protogate::auth::testing
