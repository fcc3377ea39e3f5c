// The protogate binary with an `auth` config: a provider's jwks_file is
// watched like the config file, so a rotated key set is accepted after the
// reload it triggers, without a restart.
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/auth/auth_test_env.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"

namespace protogate::auth {
namespace {

using ::protogate::testing::ChildProcess;

std::string Bin(const std::string& path) {
  return ::protogate::testing::BinDir() + path;
}

// Reads "<prefix>HOST:PORT" from the child's stdout; PORT.
int ReadPort(ChildProcess& child, const std::string& prefix) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return 0;
  EXPECT_TRUE(absl::StartsWith(*line, prefix)) << *line;
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port));
  return port;
}

// Reads stderr until a line contains `text`; whether one did in time.
bool WaitForLog(ChildProcess& child, const std::string& text) {
  while (true) {
    auto line = child.ReadStderrLine(absl::Seconds(30));
    if (!line.ok()) return false;
    if (absl::StrContains(*line, text)) return true;
  }
}

TEST(AuthCliTest, AWatchedJwksFileRotatesWithoutARestart) {
  testing::AuthTestEnv env;
  const std::vector<std::string> tokens = env.MintOnce(
      "cli-tokens.json",
      "[{\"kid\":\"rs256\",\"alg\":\"RS256\",\"claims\":{\"iss\":\"https://"
      "id.example.test\",\"exp\":\"@now+315360000\"}},"
      "{\"kid\":\"rotated\",\"alg\":\"RS256\",\"claims\":{\"iss\":\"https://"
      "id.example.test\",\"exp\":\"@now+315360000\"}}]");
  ASSERT_EQ(tokens.size(), 2u);
  const std::string dir = ::testing::TempDir() + "/auth-cli";
  std::filesystem::create_directories(dir);
  const std::string jwks = dir + "/jwks.json";
  testing::WriteText(jwks, testing::ReadText(env.www() + "/jwks.json"));
  auto backend = ChildProcess::Start(
      {Bin("/tools/demo/demo_bookstore"), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(backend.ok()) << backend.status();
  const int backend_port = ReadPort(**backend, "listening on ");
  const std::string config = dir + "/protogate.yaml";
  testing::WriteText(
      config, absl::StrCat("listen: 127.0.0.1:0\n"
                           "descriptors: {descriptor_sets: [",
                           Bin("/proto/bookstore.binpb"),
                           "], watch_interval: 0.1s}\n"
                           "backends: [{service: demo.bookstore, target: "
                           "\"127.0.0.1:",
                           backend_port,
                           "\"}]\n"
                           "auth: {jwt_providers: [{name: corp, issuer: "
                           "\"https://id.example.test\", jwks_file: ",
                           jwks, "}]}\nmethod_defaults: {auth: {}}\n"));
  auto gateway = ChildProcess::Start(
      {Bin("/gateway/server/protogate"), "--config", config});
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  const int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0);
  auto get = [port](const std::string& token) {
    auto r = ::protogate::testing::Fetch(port, "GET", "/v1/shelves", "",
                                         {"Authorization: Bearer " + token});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->status : 0;
  };
  EXPECT_EQ(get(tokens[0]), 200);
  EXPECT_EQ(get(tokens[1]), 401);  // Unknown kid: not in the file yet.
  testing::WriteText(jwks, testing::ReadText(env.www() + "/jwks-rotated.json"));
  ASSERT_TRUE(WaitForLog(**gateway, "reloaded ("));
  EXPECT_EQ(get(tokens[1]), 200);
  EXPECT_EQ(get(tokens[0]), 200);
  (*gateway)->Signal(SIGTERM);
  (*backend)->Signal(SIGTERM);
  EXPECT_TRUE((*gateway)->Wait(absl::Seconds(30)).ok());
  EXPECT_TRUE((*backend)->Wait(absl::Seconds(30)).ok());
}

}  // namespace
}  // namespace protogate::auth
