// FetchReflection against real servers: v1 (our test service), v1alpha
// (gRPC's grpc++_reflection plugin), none, and none reachable.
#include "gateway/upstream/reflection_client.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"
#include "tests/upstream/reflection_backend.h"

namespace protogate::upstream {
namespace {

using ::protogate::testing::ChildProcess;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReflectionBackend;
using testing::ReflectionVersion;

TEST(ReflectionClientTest, ReadsServicesAndFilesOverV1) {
  auto backend = ReflectionBackend::Start(ReflectionVersion::kV1);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto result = FetchReflection((*backend)->address(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->protocol, "v1");
  EXPECT_THAT(result->services, ElementsAre("demo.bookstore.v1.Bookstore"));
  std::vector<std::string> names;
  for (const auto& [name, bytes] : result->files) names.push_back(name);
  // The service's file and everything it imports, transitively.
  for (const char* file :
       {"demo/bookstore.proto", "google/api/annotations.proto",
        "google/api/http.proto", "google/protobuf/descriptor.proto",
        "google/protobuf/timestamp.proto"}) {
    EXPECT_THAT(names, Contains(file));
  }
}

TEST(ReflectionClientTest, FallsBackToV1AlphaAndSkipsInfrastructure) {
  auto backend = ReflectionBackend::Start(ReflectionVersion::kV1Alpha);
  ASSERT_TRUE(backend.ok()) << backend.status();
  auto result = FetchReflection((*backend)->address(), {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->protocol, "v1alpha");
  EXPECT_THAT(result->services, ElementsAre("demo.bookstore.v1.Bookstore",
                                            "demo.storefront.v1.Catalog"));
  EXPECT_TRUE(result->files.contains("demo/storefront.proto"));
}

TEST(ReflectionClientTest, ServerWithoutReflectionIsUnimplemented) {
  // The demo_bookstore binary serves no reflection (in this process every
  // server would: grpc++_reflection registers itself globally).
  auto server = ChildProcess::Start(
      {protogate::testing::BinDir() + "/tools/demo/demo_bookstore", "--listen",
       "127.0.0.1:0"});
  ASSERT_TRUE(server.ok());
  auto line = (*server)->ReadStdoutLine(absl::Seconds(30));
  ASSERT_TRUE(line.ok()) << line.status();
  const std::string address = line->substr(line->rfind(' ') + 1);
  auto result = FetchReflection(address, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(std::string(result.status().message()),
            "reflection " + address +
                ": the server does not serve gRPC server reflection "
                "(grpc.reflection.v1 or v1alpha ServerReflection)");
}

TEST(ReflectionClientTest, UnreachableServerFailsWithinTheTimeout) {
  auto result =
      FetchReflection("127.0.0.1:1", {.timeout = absl::Milliseconds(500)});
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().code(),
              ::testing::AnyOf(absl::StatusCode::kUnavailable,
                               absl::StatusCode::kDeadlineExceeded));
}

}  // namespace
}  // namespace protogate::upstream
