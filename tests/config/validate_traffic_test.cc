// ValidateConfig on the `rate_limits` and `cors` sections.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/config_validator.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

absl::Status Validate(const std::string& yaml) {
  const std::string text =
      "descriptors: {descriptor_sets: [api.binpb]}\n"
      "clusters: [{name: books, endpoints: [127.0.0.1:50051]}]\n"
      "routes: [{service: demo.bookstore, cluster: books}]\n" +
      yaml;
  absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(text, "t.yaml");
  if (!config.ok()) return config.status();
  return ValidateConfig(*config);
}

TEST(ValidateTrafficTest, AcceptsTheIssueExample) {
  absl::Status status = Validate(R"(
rate_limits:
  redis: {address: 127.0.0.1:6379, timeout: 0.05s, on_error: allow}
  client_ip: {trusted_hops: 1}
  policies:
    - {name: per-user, selector: acme.library.v1.Library, key: "jwt_claim:sub",
       requests: 100, per: 60s, burst: 20, shared: true}
    - {name: per-ip, key: client_ip, requests: 10, per: 1s}
    - {name: all, requests: 1000, per: 1s, max_keys: 16}
cors:
  allow_origins: ["https://app.example.test", "https://*.example.test"]
  allow_headers: [content-type, authorization, x-api-key]
  expose_headers: [x-request-id]
  allow_credentials: true
  max_age: 600s
methods:
  - {selector: demo.bookstore, cors: {allow_origins: []}}
)");
  EXPECT_TRUE(status.ok()) << status;
  status = Validate(
      "rate_limits: {redis: {address: \"unix:///run/redis.sock\"}, "
      "policies: [{name: a, key: \"header:x-tenant\", requests: 1, per: 1s, "
      "shared: true}]}\n");
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateTrafficTest, NamesThePathOfEachProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"rate_limits: {policies: [{name: a, requests: 1, per: 0s}]}",
       "rate_limits.policies[0].per: must be positive"},
      {"rate_limits: {policies: [{name: a, requests: 1}]}",
       "rate_limits.policies[0].per: must be positive"},
      {"rate_limits: {policies: [{name: a, per: 1s}]}",
       "rate_limits.policies[0].requests: must be positive"},
      {"rate_limits: {policies: [{name: a, requests: 1, per: 1s}, "
       "{name: a, requests: 1, per: 1s}]}",
       "rate_limits.policies[1].name: duplicate policy \"a\" (also "
       "policies[0])"},
      {"rate_limits: {policies: [{name: \"a b\", requests: 1, per: 1s}]}",
       "rate_limits.policies[0].name: \"a b\" has characters other than "
       "[A-Za-z0-9_.-]"},
      {"rate_limits: {policies: [{name: a, key: ip, requests: 1, per: 1s}]}",
       "rate_limits.policies[0].key: unknown key \"ip\""},
      {"rate_limits: {policies: [{name: a, key: \"jwt_claim:\", requests: 1, "
       "per: 1s}]}",
       "rate_limits.policies[0].key: jwt_claim: needs a claim name"},
      {"rate_limits: {policies: [{name: a, requests: 1, per: 1s, burst: "
       "2000000}]}",
       "rate_limits.policies[0].burst:"},
      {"rate_limits: {policies: [{name: a, requests: 1, per: 1s, shared: "
       "true}]}",
       "rate_limits.redis: required by the shared policies"},
      {"rate_limits: {redis: {address: 127.0.0.1:6379}, policies: [{name: a, "
       "requests: 1, per: 1s}]}",
       "rate_limits.redis: set, but no policy is shared"},
      {"rate_limits: {redis: {address: localhost, on_error: allow}, "
       "policies: [{name: a, requests: 1, per: 1s, shared: true}]}",
       "rate_limits.redis.address:"},
      {"rate_limits: {redis: {address: 127.0.0.1:6379, on_error: maybe}, "
       "policies: [{name: a, requests: 1, per: 1s, shared: true}]}",
       "rate_limits.redis.on_error: \"maybe\" is not allow or deny"},
      {"rate_limits: {client_ip: {trusted_hops: 11}}",
       "rate_limits.client_ip.trusted_hops:"},
      {"cors: {allow_origins: [\"*\"], allow_credentials: true}",
       "cors.allow_origins[0]: \"*\" is not allowed with allow_credentials"},
      {"cors: {allow_origins: [\"app.example.test\"]}",
       "cors.allow_origins[0]: \"app.example.test\" is not an origin"},
      {"cors: {allow_origins: [\"https://a.*.test\"]}",
       "cors.allow_origins[0]: \"https://a.*.test\": a wildcard must be the "
       "whole first label"},
      {"cors: {allow_headers: [\"bad header\"]}", "cors.allow_headers[0]:"},
      {"cors: {max_age: 100000s}", "cors.max_age: must be at most 86400s"},
      {"method_defaults: {cors: {}}", "method_defaults.cors: not allowed"},
      {"methods: [{selector: demo, cors: {expose_headers: [\"a:b\"]}}]",
       "methods[0].cors.expose_headers[0]:"},
  };
  for (const auto& [yaml, message] : cases) {
    absl::Status status = Validate(yaml + "\n");
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition)
        << yaml << ": " << status;
    EXPECT_EQ(std::string(status.message()).rfind(message, 0), 0u)
        << yaml << ": " << status.message();
  }
}

}  // namespace
}  // namespace protogate::config
