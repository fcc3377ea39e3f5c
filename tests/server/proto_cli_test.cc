// --proto / --proto_path: the real gateway binary compiles .proto files at
// start-up and serves them; compile errors stop it with FILE:LINE:COLUMN.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <string>

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

}  // namespace
}  // namespace protogate::server
