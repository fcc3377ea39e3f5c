// StorefrontFixture: a StorefrontServer on 127.0.0.1:0 with a gRPC channel
// and generated stubs for its four backends, for tests/demo.
//
// Thread safety: the stubs may be used from any thread; knobs() too.
// Ownership: the fixture owns the server, the channel and the stubs.
#pragma once

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "demo/storefront.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tools/demo/storefront_server.h"

namespace protogate::demo::testing {

// Bounds every call of the tests (a hung call fails instead of blocking).
inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);

class StorefrontFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = StorefrontServer::Start("127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
    catalog_ = storefront_pb::Catalog::NewStub(channel_);
    pricing_ = storefront_pb::Pricing::NewStub(channel_);
    inventory_ = storefront_pb::Inventory::NewStub(channel_);
    reviews_ = storefront_pb::Reviews::NewStub(channel_);
  }

  // A context with the given timeout.
  static std::unique_ptr<grpc::ClientContext> Context(
      absl::Duration timeout = kCallTimeout) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return context;
  }

  StorefrontKnobs& knobs() { return server_->knobs(); }

  std::unique_ptr<StorefrontServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<storefront_pb::Catalog::Stub> catalog_;
  std::unique_ptr<storefront_pb::Pricing::Stub> pricing_;
  std::unique_ptr<storefront_pb::Inventory::Stub> inventory_;
  std::unique_ptr<storefront_pb::Reviews::Stub> reviews_;
};

}  // namespace protogate::demo::testing
