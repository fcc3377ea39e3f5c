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
  EXPECT_EQ(f->listen_port, 9191);
  EXPECT_THAT(f->descriptor_sets, ::testing::ElementsAre("a.binpb", "b.binpb"));
  EXPECT_EQ(f->timeout, absl::Seconds(3));
  EXPECT_TRUE(f->ignore_unknown_query_params);
  ASSERT_EQ(f->methods.size(), 1u);
  EXPECT_EQ(f->methods[0].timeout, absl::Milliseconds(500));
  ASSERT_TRUE(f->methods[0].retries.has_value());
  EXPECT_EQ(f->methods[0].retries->max_attempts, 4);
  EXPECT_TRUE(f->methods[0].retries->idempotent_only);
  EXPECT_EQ(f->methods[0].retries->initial_backoff, absl::Milliseconds(250));
  ASSERT_TRUE(f->default_retries.has_value());
  EXPECT_EQ(f->default_retries->max_attempts, 3);
  EXPECT_FALSE(f->default_retries->idempotent_only);
  EXPECT_EQ(f->default_retries->initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(f->admin_host, "127.0.0.1");
  EXPECT_EQ(f->admin_port, 9292);
  EXPECT_THAT(f->headers.forward(), ::testing::ElementsAre("x-tenant"));
  EXPECT_THAT(f->headers.forward_prefixes(),
              ::testing::ElementsAre("x-custom-"));
  ASSERT_EQ(f->headers.forward_response_size(), 1);
  EXPECT_EQ(f->headers.forward_response(0).rename(), "x-b");
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
      {"descriptors: {protos: [a.proto], proto_paths: [.]}\n",
       "\"descriptors.protos\" is not supported"},
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
