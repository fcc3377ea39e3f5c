// The documented example config (tools/demo/protogate.yaml) loads and is
// valid.
#include <string>

#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

const std::string kExample =
    std::string(PROTOGATE_SOURCE_DIR) + "/tools/demo/protogate.yaml";

TEST(ExampleConfigTest, LoadsAndValidates) {
  absl::StatusOr<v1::GatewayConfig> config = LoadConfigFile(kExample);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(ValidateConfig(*config).ok()) << ValidateConfig(*config);
}

TEST(ExampleConfigTest, LoadsValidated) {
  absl::StatusOr<v1::GatewayConfig> config = LoadValidatedConfigFile(kExample);
  EXPECT_TRUE(config.ok()) << config.status();
}

TEST(ExampleConfigTest, DescribesTheDemo) {
  absl::StatusOr<v1::GatewayConfig> config = LoadConfigFile(kExample);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen(), "127.0.0.1:8080");
  EXPECT_FALSE(config->has_admin()) << "the README's /-/ lines use 8080";
  ASSERT_EQ(config->clusters_size(), 2);
  EXPECT_EQ(config->clusters(0).name(), "bookstore");
  ASSERT_EQ(config->clusters(0).endpoints_size(), 1);
  EXPECT_EQ(config->clusters(0).endpoints(0), "127.0.0.1:50051");
  EXPECT_EQ(config->clusters(1).name(), "storefront");
  EXPECT_EQ(config->clusters(1).endpoints(0), "127.0.0.1:50052");
  ASSERT_EQ(config->routes_size(), 2);
  EXPECT_EQ(config->routes(0).service(), "demo.bookstore");
  EXPECT_EQ(config->routes(0).cluster(), "bookstore");
  EXPECT_EQ(config->routes(1).service(), "demo.storefront");
  EXPECT_EQ(config->routes(1).cluster(), "storefront");
  ASSERT_EQ(config->http().rules_size(), 1);
  EXPECT_EQ(config->http().rules(0).selector(),
            "demo.bookstore.v1.Bookstore.Stats");
  EXPECT_EQ(config->http().rules(0).get(), "/v1/stats");
  EXPECT_EQ(config->method_defaults().timeout().seconds(), 15);
}

}  // namespace
}  // namespace protogate::config
