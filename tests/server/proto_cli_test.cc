// --proto / --proto_path: the real gateway binary compiles .proto files at
// start-up and serves them; compile errors stop it with FILE:LINE:COLUMN.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tools/demo/demo_server.h"

namespace protogate::server {
namespace {

using ::protogate::testing::ChildProcess;
using ::testing::HasSubstr;

std::string GatewayBin() {
  return protogate::testing::BinDir() + "/gateway/server/protogate";
}

TEST(ProtoCliTest, ServesProtosCompiledAtStartUp) {
  auto backend = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(backend.ok());
  // Tests run from the source root, whose proto/ holds the demo protos.
  auto gateway = ChildProcess::Start(
      {GatewayBin(), "--listen", "127.0.0.1:0", "--proto",
       "demo/bookstore.proto", "--proto_path", "proto", "--backend",
       "demo.bookstore=" + (*backend)->address()});
  ASSERT_TRUE(gateway.ok());
  auto line = (*gateway)->ReadStdoutLine(absl::Seconds(30));
  ASSERT_TRUE(line.ok()) << line.status();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port));
  auto r = protogate::testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"id":"2","theme":"Science","bookCount":3})");
  // Comments from the .proto reach the OpenAPI document.
  r = protogate::testing::Fetch(port, "GET", "/-/openapi.json");
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->body, HasSubstr("\"description\""));
  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

TEST(ProtoCliTest, ACompileErrorStopsStartUpNamingFileLineAndColumn) {
  const std::string dir = ::testing::TempDir() + "/proto_cli";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/bad.proto") << "syntax = \"proto3\";\nservice S {\n  "
                                       "rpc M(Nope) returns (Nope);\n}\n";
  auto gateway = ChildProcess::Start(
      {GatewayBin(), "--proto", "bad.proto", "--proto_path", dir});
  ASSERT_TRUE(gateway.ok());
  auto code = (*gateway)->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT((*gateway)->ReadAllStderr(absl::Seconds(5)),
              HasSubstr("protogate: bad.proto:3:9: \"Nope\" is not defined."));
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Reads stderr (bounded) until a line contains `text`; returns that line.
std::string WaitForLog(ChildProcess& child, const std::string& text) {
  while (true) {
    auto line = child.ReadStderrLine(absl::Seconds(20));
    EXPECT_TRUE(line.ok()) << "waiting for \"" << text
                           << "\": " << line.status();
    if (!line.ok()) return "";
    if (absl::StrContains(*line, text)) return *line;
  }
}

TEST(ProtoCliTest, AChangedProtoFileIsReloaded) {
  const std::string dir = ::testing::TempDir() + "/proto_watch";
  std::filesystem::create_directories(dir + "/demo");
  const std::string file = dir + "/demo/bookstore.proto";
  const std::string original = ReadAll("proto/demo/bookstore.proto");
  std::ofstream(file) << original;
  auto backend = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(backend.ok());
  // Only the bookstore is on disk: google/api and google/protobuf imports
  // resolve from the copies built into the binary.
  auto gateway = ChildProcess::Start(
      {GatewayBin(), "--listen", "127.0.0.1:0", "--proto",
       "demo/bookstore.proto", "--proto_path", dir, "--watch_interval", "100ms",
       "--backend", "demo.bookstore=" + (*backend)->address()});
  ASSERT_TRUE(gateway.ok());
  auto line = (*gateway)->ReadStdoutLine(absl::Seconds(30));
  ASSERT_TRUE(line.ok()) << line.status();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port));
  auto r = protogate::testing::Fetch(port, "GET", "/v2/shelves/2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);

  std::string changed = original;
  changed.replace(changed.find("get: \"/v1/shelves/{shelf}\""),
                  std::string("get: \"/v1/shelves/{shelf}\"").size(),
                  "get: \"/v2/shelves/{shelf}\"");
  std::ofstream(file, std::ios::trunc) << changed;
  WaitForLog(**gateway, "reloaded (file change)");
  r = protogate::testing::Fetch(port, "GET", "/v2/shelves/2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;

  // A syntax error is rejected naming the place; v2 keeps serving.
  std::ofstream(file, std::ios::trunc) << changed << "\nmessage {\n";
  std::string rejected = WaitForLog(**gateway, "reload rejected (file change)");
  EXPECT_THAT(rejected, HasSubstr("demo/bookstore.proto:"));
  r = protogate::testing::Fetch(port, "GET", "/v2/shelves/2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server
