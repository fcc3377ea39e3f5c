// gRPC server reflection as a descriptor source: the real gateway binary
// serving backends it has no descriptors for (reflection v1 and v1alpha),
// refreshing them, and failing clearly at start-up.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tests/upstream/reflection_backend.h"

namespace protogate::server {
namespace {

using ::protogate::testing::ChildProcess;
using ::testing::HasSubstr;
using upstream::testing::ReflectionBackend;
using upstream::testing::ReflectionVersion;

std::string GatewayBin() {
  return protogate::testing::BinDir() + "/gateway/server/protogate";
}

int ReadGatewayPort(ChildProcess& child) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  EXPECT_TRUE(line.ok()) << line.status();
  int port = 0;
  if (line.ok()) {
    EXPECT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port));
  }
  return port;
}

// Polls (bounded) until GET `path` answers `status`.
bool WaitForStatus(int port, const std::string& path, int status) {
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up) {
    auto r = protogate::testing::Fetch(port, "GET", path);
    if (r.ok() && r->status == status) return true;
  }
  return false;
}

TEST(ReflectionCliTest, ServesAReflectionOnlyBackendEndToEnd) {
  auto backend = ReflectionBackend::Start(ReflectionVersion::kV1Alpha);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto gateway = ChildProcess::Start({GatewayBin(), "--listen", "127.0.0.1:0",
                                      "--reflection", (*backend)->address()});
  ASSERT_TRUE(gateway.ok());
  int port = ReadGatewayPort(**gateway);
  ASSERT_GT(port, 0);
  auto r = protogate::testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, R"({"id":"2","theme":"Science","bookCount":3})");
  r = protogate::testing::Fetch(port, "GET", "/v1/catalog/products/p1");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_THAT(r->body, HasSubstr(R"("id":"p1")"));
  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

TEST(ReflectionCliTest, RefreshPicksUpAChangedService) {
  auto backend = ReflectionBackend::Start(ReflectionVersion::kV1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto gateway = ChildProcess::Start({GatewayBin(), "--listen", "127.0.0.1:0",
                                      "--reflection", (*backend)->address(),
                                      "--reflection_refresh", "100ms"});
  ASSERT_TRUE(gateway.ok());
  int port = ReadGatewayPort(**gateway);
  ASSERT_GT(port, 0);
  EXPECT_TRUE(WaitForStatus(port, "/v1/shelves/2", 200));
  auto r = protogate::testing::Fetch(port, "GET", "/v1/catalog/products/p1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);  // Not listed yet.

  (*backend)->SetListedServices(
      {"demo.bookstore.v1.Bookstore", "demo.storefront.v1.Catalog"});
  bool reloaded = false;
  while (!reloaded) {
    auto line = (*gateway)->ReadStderrLine(absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    reloaded = absl::StrContains(
        *line, "reloaded (reflection change: " + (*backend)->address());
  }
  r = protogate::testing::Fetch(port, "GET", "/v1/catalog/products/p1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_TRUE(WaitForStatus(port, "/v1/shelves/2", 200));

  // A refresh that fails (a listed service the server has no file for) is
  // logged; the previous descriptors keep serving.
  (*backend)->SetListedServices(
      {"demo.bookstore.v1.Bookstore", "demo.storefront.v1.Missing"});
  bool failed = false;
  while (!failed) {
    auto line = (*gateway)->ReadStderrLine(absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    failed = absl::StrContains(*line, "reflection refresh failed") &&
             absl::StrContains(*line, "demo.storefront.v1.Missing");
  }
  r = protogate::testing::Fetch(port, "GET", "/v1/catalog/products/p1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

TEST(ReflectionCliTest, AnUnreachableSourceAtStartUpIsAnError) {
  auto gateway = ChildProcess::Start(
      {GatewayBin(), "--listen", "127.0.0.1:0", "--reflection", "127.0.0.1:1"});
  ASSERT_TRUE(gateway.ok());
  auto code = (*gateway)->Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT((*gateway)->ReadAllStderr(absl::Seconds(5)),
              HasSubstr("protogate: reflection 127.0.0.1:1: "));
}

}  // namespace
}  // namespace protogate::server
