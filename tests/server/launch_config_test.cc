// --config: the file's sections (clusters and routes included) reach the
// config message the binary serves from, flags override them, and what the
// binary reads off it (listener, transcoding, clusters, retries, reflection)
// has the file's values or the one default.
#include "gateway/server/launch_config.h"

#include <fstream>
#include <string>
#include <vector>

#include "demo/bookstore.pb.h"
#include "gateway/config/config_loader.h"
#include "gateway/proxy/route_retries.h"
#include "gateway/server/flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

std::string WriteConfig(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

absl::StatusOr<GatewayFlags> Parse(std::vector<std::string> args) {
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseFlags(argv);
}

TEST(ConfigFlagsTest, AppliesEverySupportedSection) {
  std::string path = WriteConfig("full.yaml", R"(
listen: 127.0.0.1:9191
descriptors:
  descriptor_sets: [a.binpb, b.binpb]
admin: {listen: 127.0.0.1:9292}
method_defaults:
  timeout: 3s
  ignore_unknown_query_params: true
  retries: {max_attempts: 3}
methods:
  - selector: demo.bookstore.v1.Bookstore.GetBook
    timeout: 0.5s
    retries: {max_attempts: 4, idempotent_only: true, initial_backoff: 0.25s}
headers:
  forward: [x-tenant]
  forward_prefixes: [x-custom-]
  forward_response: [{name: x-a, rename: x-b}]
http:
  rules:
    - selector: demo.bookstore.v1.Bookstore.Stats
      get: /v1/stats
  grpc_paths: false
  query_plus_as_space: true
  always_ignored_query_params: [api_key]
transcoding:
  print: {emit_unpopulated: true, indent: 2}
  parse: {case_insensitive_enums: true}
  limits: {max_depth: 32, max_json_bytes: 1048576}
server:
  io_threads: 3
  max_header_bytes: 8192
  max_body_bytes: 65536
  read_timeout: 5s
  idle_timeout: 20s
  drain_grace: 2s
logging: {log_requests: true}
)");
  absl::StatusOr<GatewayFlags> f = Parse({"--config", path});
  ASSERT_TRUE(f.ok()) << f.status();
  const config::v1::GatewayConfig& c = f->config;
  auto listener = ListenerOptions(c);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->port, 9191);
  EXPECT_THAT(c.descriptors().descriptor_sets(),
              ::testing::ElementsAre("a.binpb", "b.binpb"));
  EXPECT_EQ(config::ToDuration(c.method_defaults().timeout()),
            absl::Seconds(3));
  EXPECT_TRUE(c.method_defaults().ignore_unknown_query_params());
  ASSERT_EQ(c.methods_size(), 1);
  EXPECT_EQ(config::ToDuration(c.methods(0).timeout()),
            absl::Milliseconds(500));
  // The method's own policy, and method_defaults' for the others.
  const google::protobuf::MethodDescriptor* get_book =
      ::demo::bookstore::v1::Shelf::descriptor()
          ->file()
          ->FindServiceByName("Bookstore")
          ->FindMethodByName("GetBook");
  EXPECT_EQ(c.methods(0).retries().max_attempts(), 4u);
  EXPECT_TRUE(c.methods(0).retries().idempotent_only());
  EXPECT_EQ(config::ToDuration(c.methods(0).retries().initial_backoff()),
            absl::Milliseconds(250));
  // idempotent_only, and GetBook is not idempotent by its descriptor.
  EXPECT_FALSE(proxy::RetryOptionsFor(*get_book, &c.methods(0).retries(),
                                      absl::Seconds(3))
                   .has_value());
  auto defaults = proxy::RetryOptionsFor(
      *get_book, &c.method_defaults().retries(), absl::Seconds(3));
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->max_attempts, 3);
  EXPECT_EQ(defaults->initial_backoff, absl::Milliseconds(100));
  auto admin = AdminAddress(c);
  ASSERT_TRUE(admin.ok() && admin->has_value());
  EXPECT_EQ((*admin)->host, "127.0.0.1");
  EXPECT_EQ((*admin)->port, 9292);
  EXPECT_THAT(c.headers().forward(), ::testing::ElementsAre("x-tenant"));
  EXPECT_THAT(c.headers().forward_prefixes(),
              ::testing::ElementsAre("x-custom-"));
  ASSERT_EQ(c.headers().forward_response_size(), 1);
  EXPECT_EQ(c.headers().forward_response(0).rename(), "x-b");
  ASSERT_EQ(c.http().rules_size(), 1);
  EXPECT_EQ(c.http().rules(0).get(), "/v1/stats");
  EXPECT_FALSE(c.http().grpc_paths());
  EXPECT_TRUE(c.http().query_plus_as_space());
  EXPECT_THAT(c.http().always_ignored_query_params(),
              ::testing::ElementsAre("api_key"));
  GatewayOptions g = GatewayOptionsFrom(c);
  EXPECT_EQ(g.admin, AdminEndpoints::kSeparateListener);
  EXPECT_TRUE(g.print.emit_unpopulated);
  EXPECT_EQ(g.print.indent, 2);
  EXPECT_TRUE(g.parse.case_insensitive_enums);
  EXPECT_EQ(g.parse.max_depth, 32);
  EXPECT_EQ(g.parse.max_input_bytes, 1048576u);
  EXPECT_TRUE(g.log_requests);
  EXPECT_EQ(listener->io_threads, 3);
  EXPECT_EQ(listener->max_header_bytes, 8192u);
  EXPECT_EQ(listener->max_body_bytes, 65536u);
  EXPECT_EQ(listener->read_timeout, absl::Seconds(5));
  EXPECT_EQ(listener->idle_timeout, absl::Seconds(20));
  EXPECT_EQ(DrainGrace(c), absl::Seconds(2));
}

TEST(ConfigFlagsTest, FlagsOverrideTheFileWhereverTheyStand) {
  std::string path = WriteConfig("override.yaml", R"(
listen: 127.0.0.1:9191
descriptors: {descriptor_sets: [a.binpb]}
method_defaults: {timeout: 3s}
)");
  absl::StatusOr<GatewayFlags> f =
      Parse({"--listen=127.0.0.1:0", "--config", path, "--timeout=1s",
             "--descriptor_set=c.binpb"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->config.listen(), "127.0.0.1:0");
  EXPECT_EQ(config::ToDuration(f->config.method_defaults().timeout()),
            absl::Seconds(1));
  EXPECT_THAT(f->config.descriptors().descriptor_sets(),
              ::testing::ElementsAre("a.binpb", "c.binpb"));
}

// Every section of the documented example applies; none is refused.
TEST(ConfigFlagsTest, AppliesEverySectionOfTheExampleConfig) {
  absl::StatusOr<GatewayFlags> f =
      Parse({"--config", "tools/demo/protogate.yaml"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_TRUE(f->config.admin().listen().empty());
  EXPECT_FALSE(f->config.clusters().empty());
  EXPECT_FALSE(f->config.routes().empty());
  EXPECT_FALSE(f->config.headers().forward().empty());
  bool some_retries = false;
  for (const config::v1::MethodSettings& m : f->config.methods()) {
    some_retries |= m.has_retries();
  }
  EXPECT_TRUE(some_retries);
}

TEST(ConfigFlagsTest, AppliesClustersAndRoutes) {
  std::string path = WriteConfig("clusters.yaml", R"(
descriptors: {descriptor_sets: [a.binpb]}
clusters:
  - name: books
    endpoints: [127.0.0.1:5001, 127.0.0.1:5002]
    lb_policy: PICK_FIRST
    connect_timeout: 2s
    keepalive: {time: 60s, timeout: 5s, permit_without_calls: true}
    max_send_message_bytes: 1000
    health_check:
      interval: 0.5s
      timeout: 0.25s
      unhealthy_threshold: 3
      healthy_threshold: 2
      service: demo.bookstore.v1.Bookstore
  - name: other
    endpoints: ["dns:///other.internal:443"]
    tls: {server_name: other.test}
routes:
  - {service: demo, cluster: other}
  - {service: demo.bookstore, cluster: books}
)");
  absl::StatusOr<GatewayFlags> f =
      Parse({"--config", path, "--backend=x.y=127.0.0.1:7"});
  ASSERT_TRUE(f.ok()) << f.status();
  // The file's clusters and routes reach the snapshot as they are (the
  // upstream library fills in the defaults of unset fields).
  const auto& clusters = f->config.clusters();
  ASSERT_EQ(clusters.size(), 2);
  const config::v1::Cluster& books = clusters[0];
  EXPECT_EQ(books.name(), "books");
  EXPECT_THAT(books.endpoints(),
              ::testing::ElementsAre("127.0.0.1:5001", "127.0.0.1:5002"));
  EXPECT_EQ(books.lb_policy(), config::v1::Cluster::PICK_FIRST);
  EXPECT_EQ(config::ToDuration(books.connect_timeout()), absl::Seconds(2));
  EXPECT_EQ(config::ToDuration(books.keepalive().time()), absl::Seconds(60));
  EXPECT_EQ(config::ToDuration(books.keepalive().timeout()), absl::Seconds(5));
  EXPECT_TRUE(books.keepalive().permit_without_calls());
  EXPECT_EQ(books.max_send_message_bytes(), 1000);
  EXPECT_FALSE(books.has_tls());
  ASSERT_TRUE(books.has_health_check());
  EXPECT_EQ(config::ToDuration(books.health_check().interval()),
            absl::Milliseconds(500));
  EXPECT_EQ(config::ToDuration(books.health_check().timeout()),
            absl::Milliseconds(250));
  EXPECT_EQ(books.health_check().unhealthy_threshold(), 3u);
  EXPECT_EQ(books.health_check().healthy_threshold(), 2u);
  EXPECT_EQ(books.health_check().service(), "demo.bookstore.v1.Bookstore");
  const config::v1::Cluster& other = clusters[1];
  // Unset: round robin (upstream::Cluster).
  EXPECT_EQ(other.lb_policy(), config::v1::Cluster::LB_POLICY_UNSPECIFIED);
  EXPECT_FALSE(other.has_connect_timeout());
  ASSERT_TRUE(other.has_tls());
  EXPECT_EQ(other.tls().server_name(), "other.test");
  EXPECT_FALSE(other.has_health_check());
  const auto& routes = f->config.routes();
  ASSERT_EQ(routes.size(), 2);
  EXPECT_EQ(routes[1].service(), "demo.bookstore");
  EXPECT_EQ(routes[1].cluster(), "books");
  // --backend adds to them (a one-endpoint cluster, made by Upstreams).
  ASSERT_EQ(f->config.backends_size(), 1);
  EXPECT_EQ(f->config.backends(0).service(), "x.y");
}

TEST(ConfigFlagsTest, TheExampleConfigsClustersAndRoutesApply) {
  absl::StatusOr<config::v1::GatewayConfig> example =
      config::LoadValidatedConfigFile("tools/demo/protogate.yaml");
  ASSERT_TRUE(example.ok()) << example.status();
  const auto& clusters = example->clusters();
  ASSERT_EQ(clusters.size(), 2);
  EXPECT_EQ(clusters[0].name(), "bookstore");
  EXPECT_EQ(config::ToDuration(clusters[0].connect_timeout()),
            absl::Seconds(2));
  ASSERT_TRUE(clusters[0].has_health_check());
  EXPECT_EQ(clusters[0].health_check().unhealthy_threshold(), 3u);
  // The storefront's thresholds are unset: the upstream defaults apply.
  ASSERT_TRUE(clusters[1].has_health_check());
  EXPECT_EQ(clusters[1].health_check().unhealthy_threshold(), 0u);
  const auto& routes = example->routes();
  ASSERT_EQ(routes.size(), 2);
  EXPECT_EQ(routes[0].cluster(), "bookstore");
  EXPECT_EQ(routes[1].cluster(), "storefront");
}

TEST(ConfigFlagsTest, RetryBudgetSetsOnlyWhatIsGiven) {
  std::string path = WriteConfig("budget.yaml", R"(
descriptors: {descriptor_sets: [a.binpb]}
retry_budget: {ratio: 0.05, max_tokens: 3}
)");
  absl::StatusOr<GatewayFlags> f = Parse({"--config", path});
  ASSERT_TRUE(f.ok()) << f.status();
  upstream::RetryBudgetOptions budget =
      proxy::RetryBudgetFrom(f->config.retry_budget());
  EXPECT_DOUBLE_EQ(budget.ratio, 0.05);
  EXPECT_DOUBLE_EQ(budget.min_per_second,
                   upstream::RetryBudgetOptions().min_per_second);
  EXPECT_DOUBLE_EQ(budget.max_tokens, 3);
}

TEST(ConfigFlagsTest, Http2LimitsSetOnlyWhatIsGiven) {
  std::string path = WriteConfig("http2.yaml", R"(
descriptors: {descriptor_sets: [a.binpb]}
server: {http2: {max_concurrent_streams: 8, max_resets_per_second: 50}}
)");
  absl::StatusOr<GatewayFlags> f = Parse({"--config", path});
  ASSERT_TRUE(f.ok()) << f.status();
  auto listener = ListenerOptions(f->config);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->http2.max_concurrent_streams, 8u);
  EXPECT_EQ(listener->http2.resets_per_second, 50u);
  EXPECT_EQ(listener->http2.reset_burst, 100u);
  EXPECT_EQ(listener->http2.initial_stream_window_bytes,
            http::Http2Options().initial_stream_window_bytes);
}

TEST(ConfigFlagsTest, FileErrorsNameFileLineAndPath) {
  std::string path = WriteConfig("bad.yaml", "lisen: 127.0.0.1:1\n");
  absl::StatusOr<GatewayFlags> f = Parse({"--config=" + path});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()),
              HasSubstr(path + ":1:1: field \"lisen\": unknown field"));
  f = Parse({"--config", "/nonexistent.yaml"});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()),
              HasSubstr("/nonexistent.yaml"));
}

}  // namespace
}  // namespace protogate::server

namespace protogate::server {
namespace {

TEST(ConfigFlagsTest, AppliesProtosReflectionAndWatchInterval) {
  std::string path = WriteConfig("sources.yaml", R"(
descriptors:
  protos: [shop/v1/shop.proto]
  proto_paths: [protos, third_party]
  reflection:
    - {target: "127.0.0.1:50051", refresh_interval: 5s}
    - {target: "dns:///inventory:50051"}
  watch_interval: 0.25s
)");
  absl::StatusOr<GatewayFlags> f =
      Parse({"--config", path, "--reflection=127.0.0.1:1",
             "--reflection_refresh=0", "--proto=x.proto"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->config.descriptors().protos(),
              ::testing::ElementsAre("shop/v1/shop.proto", "x.proto"));
  EXPECT_THAT(f->config.descriptors().proto_paths(),
              ::testing::ElementsAre("protos", "third_party"));
  std::vector<ReflectionSourceSpec> reflection = ReflectionSources(f->config);
  ASSERT_EQ(reflection.size(), 3u);
  EXPECT_EQ(reflection[0].target, "127.0.0.1:50051");
  EXPECT_EQ(reflection[0].refresh_interval, absl::Seconds(5));
  EXPECT_EQ(reflection[1].refresh_interval, absl::Seconds(30));
  EXPECT_EQ(reflection[2].target, "127.0.0.1:1");
  EXPECT_EQ(reflection[2].refresh_interval, absl::ZeroDuration());
  EXPECT_EQ(WatchInterval(f->config), absl::Milliseconds(250));
}

TEST(ConfigFlagsTest, ReflectionAloneIsADescriptorSource) {
  absl::StatusOr<GatewayFlags> f =
      Parse({"--reflection", "127.0.0.1:9", "--watch_interval=0"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(WatchInterval(f->config), absl::ZeroDuration());
  EXPECT_EQ(ReflectionSources(f->config)[0].refresh_interval,
            absl::Seconds(30));
  auto bad = Parse({"--reflection", "x:1", "--reflection_refresh=-1s"});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("flag --reflection_refresh: invalid value \"-1s\""));
}

TEST(ConfigFlagsTest, ReflectionSourceWithoutTargetNamesItsPath) {
  std::string path = WriteConfig(
      "bad_reflection.yaml", "descriptors: {reflection: [{target: \"\"}]}\n");
  auto f = Parse({"--config", path});
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(std::string(f.status().message()),
              HasSubstr("descriptors.reflection[0].target"));
}

}  // namespace
}  // namespace protogate::server

namespace protogate::server {
namespace {

// The config file's cluster endpoints, its `backends` and --backend accept
// exactly the same targets: one set of rules (config::ValidateTarget).
TEST(ConfigFlagsTest, ConfigAndBackendFlagAcceptTheSameTargets) {
  const std::pair<std::string, bool> targets[] = {
      {"127.0.0.1:50051", true},
      {"localhost:1", true},
      {"[::1]:50051", true},
      {"dns:///books.internal:443", true},
      {"unix:///run/books.sock", true},
      {"localhost", false},
      {"127.0.0.1:0", false},
      {"dns:///books.internal", false},
      {"unix:///", false},
      {"ipv4:127.0.0.1:1", false},
      {"xds:///books", false},
      {"h:+80", false},
  };
  for (const auto& [target, valid] : targets) {
    std::string file = WriteConfig("target.yaml", absl::StrCat(R"(
descriptors: {descriptor_sets: [a.binpb]}
clusters: [{name: c, endpoints: [")",
                                                               target, R"("]}]
)"));
    auto from_file = Parse({"--config", file});
    auto from_backends = Parse(
        {"--config",
         WriteConfig("backends.yaml",
                     absl::StrCat("descriptors: {descriptor_sets: [a.binpb]}\n"
                                  "backends: [{service: pkg, target: \"",
                                  target, "\"}]\n"))});
    auto from_flag = Parse(
        {"--descriptor_set=a.binpb", absl::StrCat("--backend=pkg=", target)});
    EXPECT_EQ(from_file.ok(), valid) << target << ": " << from_file.status();
    EXPECT_EQ(from_backends.ok(), valid)
        << target << ": " << from_backends.status();
    EXPECT_EQ(from_flag.ok(), valid) << target << ": " << from_flag.status();
  }
}

}  // namespace
}  // namespace protogate::server
