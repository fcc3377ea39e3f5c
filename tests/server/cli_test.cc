// Tests of the real `protogate` binary as a user runs it: flags, start-up
// errors, serving through the real demo_bookstore binary, SIGTERM.
#include <signal.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "protogate/aggregator/v1/plan.pb.h"
#include "rapidjson/document.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"

namespace protogate::server {
namespace {

using testing::ChildProcess;
using ::testing::HasSubstr;

std::string GatewayBin() {
  return testing::BinDir() + "/gateway/server/protogate";
}
std::string BackendBin() {
  return testing::BinDir() + "/tools/demo/demo_bookstore";
}
std::string DemoSet() { return testing::BinDir() + "/proto/bookstore.binpb"; }

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Outcome RunToExit(const std::vector<std::string>& argv) {
  Outcome outcome;
  auto child = ChildProcess::Start(argv);
  EXPECT_TRUE(child.ok());
  if (!child.ok()) return outcome;
  while (true) {
    auto line = (*child)->ReadStdoutLine(absl::Seconds(20));
    if (!line.ok()) break;
    outcome.out += *line + "\n";
  }
  auto code = (*child)->Wait(absl::Seconds(20));
  EXPECT_TRUE(code.ok());
  outcome.exit_code = code.ok() ? *code : -1;
  outcome.err = (*child)->ReadAllStderr(absl::Seconds(5));
  return outcome;
}

TEST(CliTest, HelpDocumentsTheFlagsAndExitsZero) {
  Outcome o = RunToExit({GatewayBin(), "--help"});
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_THAT(o.out, HasSubstr("--listen HOST:PORT"));
  EXPECT_THAT(o.out, HasSubstr("--descriptor_set FILE"));
  EXPECT_THAT(o.out, HasSubstr("--backend NAME=TARGET"));
}

struct StartupErrorCase {
  std::vector<std::string> args;
  int exit_code;
  std::string line;
};

TEST(CliTest, StartupErrorsAreOneClearLine) {
  const StartupErrorCase cases[] = {
      {{"--bogus=1"}, 2, "protogate: unknown flag --bogus (see --help)"},
      {{"--descriptor_set", "/nonexistent.binpb"},
       1,
       "protogate: descriptor set \"/nonexistent.binpb\": cannot open file"},
      {{"--descriptor_set", "/etc/hostname"},
       1,
       "protogate: descriptor set \"/etc/hostname\": not a "
       "FileDescriptorSet"},
      {{"--descriptor_set", DemoSet()},
       1,
       "protogate: service \"demo.bookstore.v1.Bookstore\" has no backend"},
      {{"--descriptor_set", DemoSet(), "--backend", "demo.book=127.0.0.1:1"},
       1,
       "protogate: service \"demo.bookstore.v1.Bookstore\" has no backend"},
  };
  for (const StartupErrorCase& c : cases) {
    std::vector<std::string> argv = {GatewayBin()};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Outcome o = RunToExit(argv);
    EXPECT_EQ(o.exit_code, c.exit_code) << c.line;
    std::vector<std::string> lines =
        absl::StrSplit(o.err, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 1u) << o.err;
    EXPECT_TRUE(absl::StartsWith(lines[0], c.line)) << lines[0];
  }
}

// Reads "<prefix>HOST:PORT" from the child and returns PORT.
int ReadPort(ChildProcess& child, const std::string& prefix) {
  auto line = child.ReadStdoutLine(absl::Seconds(30));
  EXPECT_TRUE(line.ok()) << line.status();
  if (!line.ok()) return 0;
  EXPECT_TRUE(absl::StartsWith(*line, prefix)) << *line;
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(line->substr(line->rfind(':') + 1), &port))
      << *line;
  return port;
}

TEST(CliTest, ServesThroughTheDemoBackendAndDrainsOnSigterm) {
  auto backend = ChildProcess::Start({BackendBin(), "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(backend.ok());
  int backend_port = ReadPort(**backend, "listening on ");
  ASSERT_GT(backend_port, 0);

  auto gateway =
      ChildProcess::Start({GatewayBin(), "--listen", "127.0.0.1:0",
                           "--descriptor_set", DemoSet(), "--backend",
                           "demo.bookstore.v1.Bookstore=127.0.0.1:" +
                               std::to_string(backend_port)});
  ASSERT_TRUE(gateway.ok());
  int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0);

  auto r = testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"id":"2","theme":"Science","bookCount":3})");

  // The backend dies: the gateway answers 503 and keeps serving.
  (*backend)->Signal(SIGKILL);
  ASSERT_TRUE((*backend)->Wait(absl::Seconds(10)).ok());
  r = testing::Fetch(port, "GET", "/v1/shelves/2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body,
            R"({"code":14,"message":"upstream unavailable","details":[]})");
  r = testing::Fetch(port, "GET", "/-/healthz");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(CliTest,
     AdminListenerFromTheConfigTakesTheAdminEndpointsOffThePublicPort) {
  const std::string config = ::testing::TempDir() + "/cli_admin.yaml";
  std::ofstream(config) << "admin: {listen: 127.0.0.1:0}\n"
                           "headers: {forward: [x-tenant]}\n"
                           "methods: [{selector: demo.bookstore, retries: "
                           "{max_attempts: 2}}]\n";
  auto gateway =
      ChildProcess::Start({GatewayBin(), "--config", config, "--listen",
                           "127.0.0.1:0", "--descriptor_set", DemoSet(),
                           "--backend", "demo.bookstore=127.0.0.1:1"});
  ASSERT_TRUE(gateway.ok());
  int port = ReadPort(**gateway, "protogate listening on http://");
  int admin = ReadPort(**gateway, "protogate admin listening on http://");
  ASSERT_GT(port, 0);
  ASSERT_GT(admin, 0);
  ASSERT_NE(port, admin);

  auto r = testing::Fetch(port, "GET", "/-/healthz");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404) << r->body;
  r = testing::Fetch(admin, "GET", "/-/healthz", "", {"X-Request-Id: cli-1"});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"status":"SERVING"})");
  EXPECT_EQ(r->Header("x-request-id"), "cli-1");
  r = testing::Fetch(admin, "GET", "/v1/shelves");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->status, 404);

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server

namespace protogate::server {
namespace {

// Rewrites the plan deadline of Storefront.GetProductPage in a copy of the
// demo descriptor set, as a changed .proto recompiled would.
std::string DemoSetWithPlanDeadline(int seconds) {
  std::ifstream in(testing::BinDir() + "/proto/demo.binpb", std::ios::binary);
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromIstream(&in));
  for (auto& file : *set.mutable_file()) {
    for (auto& service : *file.mutable_service()) {
      for (auto& method : *service.mutable_method()) {
        if (method.name() != "GetProductPage") continue;
        auto* plan = method.mutable_options()->MutableExtension(
            protogate::aggregator::v1::plan);
        plan->mutable_deadline()->set_seconds(seconds);
      }
    }
  }
  return set.SerializeAsString();
}

int PlanDeadlineMs(int port) {
  auto r = testing::Fetch(
      port, "GET", "/-/plans/demo.storefront.v1.Storefront.GetProductPage");
  if (!r.ok() || r->status != 200) return -1;
  rapidjson::Document doc;
  doc.Parse(r->body.data(), r->body.size());
  return doc.HasParseError() ? -1 : doc["deadline_ms"].GetInt();
}

// Waits (bounded) until the plan deadline served is `want`.
bool WaitForPlanDeadline(int port, int want) {
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (absl::Now() < give_up) {
    if (PlanDeadlineMs(port) == want) return true;
  }
  return false;
}

TEST(CliTest, SighupReloadsPlansFromChangedDescriptorsAndKeepsServingOnError) {
  const std::string set_path = ::testing::TempDir() + "/reload_demo.binpb";
  std::ofstream(set_path, std::ios::binary) << DemoSetWithPlanDeadline(3);
  auto bookstore =
      ChildProcess::Start({BackendBin(), "--listen", "127.0.0.1:0"});
  auto storefront =
      ChildProcess::Start({testing::BinDir() + "/tools/demo/demo_storefront",
                           "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(bookstore.ok() && storefront.ok());
  int bookstore_port = ReadPort(**bookstore, "listening on ");
  int storefront_port = ReadPort(**storefront, "listening on ");
  auto gateway = ChildProcess::Start(
      {GatewayBin(), "--listen", "127.0.0.1:0", "--descriptor_set", set_path,
       "--backend",
       "demo.bookstore=127.0.0.1:" + std::to_string(bookstore_port),
       "--backend",
       "demo.storefront=127.0.0.1:" + std::to_string(storefront_port)});
  ASSERT_TRUE(gateway.ok());
  int port = ReadPort(**gateway, "protogate listening on http://");
  ASSERT_GT(port, 0);
  EXPECT_EQ(PlanDeadlineMs(port), 3000);

  // A changed descriptor set: the new plan is compiled and swapped in.
  std::ofstream(set_path, std::ios::binary | std::ios::trunc)
      << DemoSetWithPlanDeadline(2);
  (*gateway)->Signal(SIGHUP);
  EXPECT_TRUE(WaitForPlanDeadline(port, 2000));
  auto page = testing::Fetch(port, "GET", "/v1/products/p1/page");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200) << page->body;

  // A broken one is rejected; the last good snapshot keeps serving.
  std::ofstream(set_path, std::ios::binary | std::ios::trunc) << "garbage";
  (*gateway)->Signal(SIGHUP);
  bool rejected = false;
  while (!rejected) {
    auto line = (*gateway)->ReadStderrLine(absl::Seconds(20));
    ASSERT_TRUE(line.ok()) << line.status();
    rejected = absl::StrContains(*line, "reload rejected");
  }
  EXPECT_EQ(PlanDeadlineMs(port), 2000);
  page = testing::Fetch(port, "GET", "/v1/products/p1/page");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->status, 200);

  (*gateway)->Signal(SIGTERM);
  auto code = (*gateway)->Wait(absl::Seconds(15));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace protogate::server
