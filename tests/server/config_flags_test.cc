// --config: the file's sections reach GatewayFlags, flags override them,
// and sections the binary cannot apply yet are refused.
#include "gateway/server/config_flags.h"

#include <fstream>
#include <string>
#include <vector>

#include "gateway/server/flags.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

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
method_defaults:
  timeout: 3s
  ignore_unknown_query_params: true
methods:
  - selector: demo.bookstore.v1.Bookstore.GetBook
    timeout: 0.5s
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
  EXPECT_EQ(f->listen_port, 9191);
  EXPECT_THAT(f->descriptor_sets, ::testing::ElementsAre("a.binpb", "b.binpb"));
  EXPECT_EQ(f->timeout, absl::Seconds(3));
  EXPECT_TRUE(f->ignore_unknown_query_params);
  ASSERT_EQ(f->methods.size(), 1u);
  EXPECT_EQ(f->methods[0].timeout, absl::Milliseconds(500));
  ASSERT_EQ(f->http_rules.size(), 1u);
  EXPECT_EQ(f->http_rules[0].get(), "/v1/stats");
  EXPECT_FALSE(f->grpc_paths);
  EXPECT_TRUE(f->query_plus_as_space);
  EXPECT_THAT(f->always_ignored_query_params,
              ::testing::ElementsAre("api_key"));
  EXPECT_TRUE(f->print.emit_unpopulated);
  EXPECT_EQ(f->print.indent, 2);
  EXPECT_TRUE(f->parse.case_insensitive_enums);
  EXPECT_EQ(f->parse.max_depth, 32);
  EXPECT_EQ(f->parse.max_input_bytes, 1048576u);
  EXPECT_EQ(f->io_threads, 3);
  EXPECT_EQ(f->max_header_bytes, 8192u);
  EXPECT_EQ(f->max_body_bytes, 65536u);
  EXPECT_EQ(f->read_timeout, absl::Seconds(5));
  EXPECT_EQ(f->idle_timeout, absl::Seconds(20));
  EXPECT_EQ(f->drain_grace, absl::Seconds(2));
  EXPECT_TRUE(f->verbose);
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
  EXPECT_EQ(f->listen_port, 0);
  EXPECT_EQ(f->timeout, absl::Seconds(1));
  EXPECT_THAT(f->descriptor_sets, ::testing::ElementsAre("a.binpb", "c.binpb"));
}

TEST(ConfigFlagsTest, RefusesSectionsItCannotApply) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"clusters: [{name: a, endpoints: ['127.0.0.1:1']}]\n",
       "\"clusters\" is not supported by this protogate binary yet"},
      {"headers: {forward: [x-a]}\n", "\"headers\" is not supported"},
      {"methods: [{selector: a.B, retries: {max_attempts: 2}}]\n",
       "\"methods[0].retries\" is not supported"},
  };
  for (const Case& c : cases) {
    std::string path = WriteConfig("unsupported.yaml", c.yaml);
    absl::StatusOr<GatewayFlags> f =
        Parse({"--config", path, "--descriptor_set=a"});
    ASSERT_FALSE(f.ok()) << c.yaml;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.message));
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(path));
  }
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
  EXPECT_THAT(f->protos,
              ::testing::ElementsAre("shop/v1/shop.proto", "x.proto"));
  EXPECT_THAT(f->proto_paths, ::testing::ElementsAre("protos", "third_party"));
  ASSERT_EQ(f->reflection.size(), 3u);
  EXPECT_EQ(f->reflection[0].target, "127.0.0.1:50051");
  EXPECT_EQ(f->reflection[0].refresh_interval, absl::Seconds(5));
  EXPECT_EQ(f->reflection[1].refresh_interval, absl::Seconds(30));
  EXPECT_EQ(f->reflection[2].target, "127.0.0.1:1");
  EXPECT_EQ(f->reflection[2].refresh_interval, absl::ZeroDuration());
  EXPECT_EQ(f->watch_interval, absl::Milliseconds(250));
}

TEST(ConfigFlagsTest, ReflectionAloneIsADescriptorSource) {
  absl::StatusOr<GatewayFlags> f =
      Parse({"--reflection", "127.0.0.1:9", "--watch_interval=0"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->watch_interval, absl::ZeroDuration());
  EXPECT_EQ(f->reflection[0].refresh_interval, absl::Seconds(30));
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
