#include "gateway/config/path_labels.h"

#include <string>

#include "gateway/config/config_loader.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

v1::GatewayConfig Config() {
  absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(
      R"(
clusters: [{name: books, endpoints: [a:1]}, {endpoints: [b:1]}]
routes: [{service: demo.bookstore, cluster: books}]
methods: [{selector: demo.bookstore.v1.Bookstore.GetBook}]
auth: {jwt_providers: [{name: okta, issuer: "https://i", forward_claims: {sub: x-sub}}]}
descriptors: {reflection: [{target: "r:1"}]}
rate_limits: {policies: [{name: "per\nline", requests: 1, per: 1s}]}
)",
      "gw.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  return config.value_or(v1::GatewayConfig());
}

TEST(LabelConfigPathTest, NamesTheItemsOfThePath) {
  const v1::GatewayConfig config = Config();
  const std::pair<std::string, std::string> cases[] = {
      {"clusters[0].endpoints[0]", "clusters[0] \"books\": endpoints[0]"},
      {"clusters[0]", "clusters[0] \"books\""},
      {"routes[0].cluster", "routes[0] \"demo.bookstore\": cluster"},
      {"methods[0].retries.max_attempts",
       "methods[0] \"demo.bookstore.v1.Bookstore.GetBook\": "
       "retries.max_attempts"},
      {"auth.jwt_providers[0].forward_claims.sub",
       "auth.jwt_providers[0] \"okta\": forward_claims.sub"},
      {"descriptors.reflection[0].target",
       "descriptors.reflection[0] \"r:1\": target"},
      // Escaped, so one problem stays one line.
      {"rate_limits.policies[0].name",
       "rate_limits.policies[0] \"per\\nline\": name"},
      // No name, out of range, not in the message, not a message: as given.
      {"clusters[1].endpoints[0]", "clusters[1].endpoints[0]"},
      {"clusters[7].name", "clusters[7].name"},
      {"nope[0].x", "nope[0].x"},
      {"listen", "listen"},
      {"server.io_threads", "server.io_threads"},
  };
  for (const auto& [path, want] : cases) {
    EXPECT_EQ(LabelConfigPath(config, path), want) << path;
  }
}

}  // namespace
}  // namespace protogate::config
