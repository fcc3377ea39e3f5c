// GET /-/readyz over a real gateway whose cluster has two real, health
// checked backends: ready while one endpoint is healthy, 503 naming the
// cluster when none is, ready again when one recovers.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"
#include "tests/server/serve_gateway.h"
#include "tests/testing/grpc_test_backend.h"
#include "tests/testing/http_client.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;
namespace {

using testing::GrpcTestBackend;
using ::testing::HasSubstr;

class ReadyzTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      backends_.push_back(GrpcTestBackend::Start());
      ASSERT_NE(backends_.back(), nullptr);
    }
    SnapshotOptions options;
    options.config.mutable_descriptors()->add_descriptor_sets(
        DemoDescriptorSet());
    // "idle" is not routed: its health does not matter for readiness.
    MergeYaml(options.config, absl::StrCat(R"(
clusters:
  - name: books
    endpoints: [")",
                                           backends_[0]->address(), R"(", ")",
                                           backends_[1]->address(), R"("]
    health_check: {interval: 0.05s, timeout: 0.05s, unhealthy_threshold: 2, healthy_threshold: 1}
  - name: idle
    endpoints: [")",
                                           refusing_address(), R"("]
    health_check: {interval: 0.05s, timeout: 0.05s, unhealthy_threshold: 2, healthy_threshold: 1}
routes:
  - {service: demo.bookstore, cluster: books}
)"));
    auto snapshot = Snapshot::Build(options);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    gateway_ = std::make_unique<Gateway>(*snapshot, GatewayOptions{});
    auto server = ServeGateway(*gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    gateway_.reset();
  }

  // 127.0.0.1 on a port of a stopped backend: refused.
  std::string refusing_address() {
    auto stopped = GrpcTestBackend::Start();
    std::string address = stopped->address();
    stopped->Shutdown();
    return address;
  }

  testing::HttpResponse Get(const std::string& target) {
    auto r = testing::Fetch(server_->port(), "GET", target);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *std::move(r) : testing::HttpResponse{};
  }

  // Polls /-/readyz until it answers `status`, for at most 10 s.
  testing::HttpResponse WaitForReadyz(int status) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    testing::HttpResponse r = Get("/-/readyz");
    while (r.status != status && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(20));
      r = Get("/-/readyz");
    }
    return r;
  }

  std::vector<std::unique_ptr<GrpcTestBackend>> backends_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(ReadyzTest, FollowsTheHealthOfRoutedClusters) {
  testing::HttpResponse r = Get("/-/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body,
              HasSubstr(R"({"ready":true,"clusters":[{"name":"books",)"));
  EXPECT_EQ(Get("/v1/shelves/1").status, 200);

  backends_[0]->SetServing(false);
  // Still ready: backend 1 serves. Calls keep working throughout.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Get("/v1/shelves/1").status, 200);
  EXPECT_EQ(Get("/-/readyz").status, 200);

  backends_[1]->SetServing(false);
  r = WaitForReadyz(503);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            R"({"code":14,"message":"not ready: no healthy endpoint in )"
            R"(cluster \"books\"","details":[]})");
  EXPECT_EQ(Get("/v1/shelves/1").status, 503);
  EXPECT_EQ(Get("/-/healthz").status, 200);  // Liveness is unaffected.

  backends_[1]->SetServing(true);
  r = WaitForReadyz(200);
  EXPECT_EQ(r.status, 200);
  EXPECT_THAT(r.body, HasSubstr(R"({"name":"books","healthyEndpoints":)"));
  EXPECT_EQ(Get("/v1/shelves/1").status, 200);
}

TEST_F(ReadyzTest, AnswersNotReadyWhileDraining) {
  gateway_->SetServing(false);
  testing::HttpResponse r = Get("/-/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("draining"));
}

}  // namespace
}  // namespace protogate::server
