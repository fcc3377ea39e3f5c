// GatewayFixture: a real demo backend (gRPC on 127.0.0.1:0), a Snapshot from
// the demo descriptor set, and the Gateway behind a real http::Server on
// 127.0.0.1:0. Requests go over real sockets.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/server/serve_gateway.h"
#include "tests/server/snapshot_config.h"
#include "tests/testing/child_process.h"
#include "tests/testing/http_client.h"
#include "tools/demo/demo_server.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;

inline std::string DemoDescriptorSet() {
  return testing::BinDir() + "/proto/bookstore.binpb";
}

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    StartGateway(backend_->address());
  }

  void StartGateway(
      const std::string& backend_target,
      absl::Duration timeout = absl::Seconds(5),
      const std::function<void(SnapshotOptions&)>& customize = nullptr) {
    SnapshotOptions snapshot_options = OptionsFor(
        DemoDescriptorSet(), "demo.bookstore", backend_target, timeout);
    if (customize) customize(snapshot_options);
    auto snapshot = Snapshot::Build(snapshot_options);
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
    backend_.reset();
  }

  testing::HttpResponse Call(absl::string_view method, absl::string_view target,
                             absl::string_view body = "",
                             std::vector<std::string> headers = {}) {
    auto response = testing::Fetch(server_->port(), method, target, body,
                                   std::move(headers));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : testing::HttpResponse{};
  }

  static rapidjson::Document Json(const testing::HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    EXPECT_FALSE(doc.HasParseError()) << response.body;
    return doc;
  }

  std::unique_ptr<demo::DemoServer> backend_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace protogate::server
