// Plans are compiled when the gateway loads: the real gateway binary,
// given .proto files (--proto) whose plans are wrong, refuses to start and
// names the plan, the step and what is wrong.
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

constexpr char kHead[] = R"(syntax = "proto3";
package planload.v1;
import "protogate/aggregator/v1/plan.proto";
message Req { int64 id = 1; string name = 2; repeated int64 ids = 3; }
message Item { int64 id = 1; repeated int64 children = 2; }
message Resp { Item item = 1; repeated Item items = 2; }
service Backend {
  rpc Get(Req) returns (Item) { option idempotency_level = NO_SIDE_EFFECTS; }
}
service Api {
)";

// Starts the gateway on `plan_rpc` (an Api method with its plan) and
// returns its stderr once it exited; the exit code goes to `code`.
std::string LoadFails(const std::string& name, const std::string& plan_rpc,
                      int* code) {
  const std::string dir = ::testing::TempDir() + "/plan_load_" + name;
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/api.proto") << kHead << plan_rpc << "}\n";
  auto gateway = testing::ChildProcess::Start(
      {testing::BinDir() + "/gateway/server/protogate", "--proto", "api.proto",
       "--proto_path", dir, "--proto_path", "proto", "--listen", "127.0.0.1:0",
       "--backend", "planload.v1.Backend=127.0.0.1:1"});
  if (!gateway.ok()) return "cannot start: " + gateway.status().ToString();
  auto exit = (*gateway)->Wait(absl::Seconds(30));
  *code = exit.ok() ? *exit : -1;
  return (*gateway)->ReadAllStderr(absl::Seconds(5));
}

TEST(PlanLoadTest, AnExpressionTypeErrorStopsStartUpNamingPlanStepAndColumn) {
  int code = 0;
  const std::string err = LoadFails("type", R"(
  rpc Typed(Req) returns (Resp) {
    option (protogate.aggregator.v1.plan) = {
      steps { id: "item" call: "planload.v1.Backend.Get"
              bind { to: "id" from: "request.id + request.name" } }
      merges { into: "item" from: "steps.item.response" }
    };
  }
)",
                                    &code);
  EXPECT_EQ(code, 1) << err;
  EXPECT_THAT(err,
              HasSubstr("plan \"planload.v1.Api.Typed\": step \"item\": "
                        "bind[0].from \"request.id + request.name\": column "
                        "12: no matching overload for '_+_' applied to (int, "
                        "string)"));
}

TEST(PlanLoadTest, ANestedFanOutOverTheCallCapStopsStartUp) {
  int code = 0;
  const std::string err = LoadFails("nested", R"(
  rpc Nested(Req) returns (Resp) {
    option (protogate.aggregator.v1.plan) = {
      max_total_calls: 20
      steps { id: "items" call: "planload.v1.Backend.Get"
              for_each { over: "request.ids" max_items: 10 }
              bind { to: "id" from: "item" } }
      steps { id: "children" call: "planload.v1.Backend.Get"
              for_each { over: "steps.items.each.children" max_items: 5 }
              bind { to: "id" from: "item" } }
      merges { into: "items" strategy: APPEND from: "steps.children.each" }
    };
  }
)",
                                    &code);
  EXPECT_EQ(code, 1) << err;
  EXPECT_THAT(err, HasSubstr("plan \"planload.v1.Api.Nested\": "
                             "max_total_calls: worst case of 60 upstream "
                             "calls (items=10, children=50) exceeds 20"));
}

}  // namespace
}  // namespace protogate::server
