#include "gateway/config/config_loader.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

absl::StatusOr<v1::GatewayConfig> Parse(std::string_view yaml) {
  return ParseConfigText(yaml, "gw.yaml");
}

TEST(ParseConfigTextTest, ReadsEverySection) {
  absl::StatusOr<v1::GatewayConfig> c = Parse(R"(
listen: 0.0.0.0:8080
admin: {listen: 127.0.0.1:9901}
descriptors:
  descriptor_sets: [a.binpb, b.binpb]
  protos: [x/y.proto]
  proto_paths: [protos]
clusters:
  - name: books
    endpoints: [10.0.0.1:50051, 10.0.0.2:50051]
    lb_policy: PICK_FIRST
    connect_timeout: 2.5s
    keepalive: {time: 60s, timeout: 5s, permit_without_calls: true}
    max_send_message_bytes: 1048576
    max_receive_message_bytes: "2097152"
    tls: {ca_file: ca.pem, cert_file: c.pem, key_file: k.pem, server_name: b}
    health_check:
      {interval: 10s, timeout: 1s, unhealthy_threshold: 3,
       healthy_threshold: 2, service: books}
routes: [{service: demo.bookstore, cluster: books}]
method_defaults: {timeout: 15s}
methods:
  - selector: demo.bookstore.v1.Bookstore.GetBook
    timeout: 0.5s
    retries: {max_attempts: 3, idempotent_only: true, initial_backoff: 0.1s}
    ignore_unknown_query_params: true
http:
  rules:
    - selector: demo.bookstore.v1.Bookstore.Stats
      get: /v1/stats
      additional_bindings: [{post: "/v1/stats:refresh", body: "*"}]
  grpc_paths: false
  query_plus_as_space: true
  always_ignored_query_params: [_, cb]
transcoding:
  print: {emit_unpopulated: true, enums_as_ints: true,
          proto_field_names: true, indent: 2}
  parse: {ignore_unknown_fields: true, case_insensitive_enums: true}
  limits: {max_depth: 32, max_json_bytes: 1000000}
server: {io_threads: 4, max_header_bytes: 8192, max_body_bytes: 1024,
         read_timeout: 30s, idle_timeout: 60s, drain_grace: 0s}
headers:
  forward: [authorization]
  forward_prefixes: [x-]
  response: [{name: x-a, set: "1"}, {name: x-b, add: "2"},
             {name: server, remove: true}]
logging: {log_requests: true}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen(), "0.0.0.0:8080");
  EXPECT_EQ(c->admin().listen(), "127.0.0.1:9901");
  EXPECT_EQ(c->descriptors().descriptor_sets_size(), 2);
  EXPECT_EQ(c->descriptors().protos(0), "x/y.proto");
  EXPECT_EQ(c->descriptors().proto_paths(0), "protos");
  const v1::Cluster& cl = c->clusters(0);
  EXPECT_EQ(cl.endpoints(1), "10.0.0.2:50051");
  EXPECT_EQ(cl.lb_policy(), v1::Cluster::PICK_FIRST);
  EXPECT_EQ(cl.connect_timeout().seconds(), 2);
  EXPECT_EQ(cl.connect_timeout().nanos(), 500000000);
  EXPECT_TRUE(cl.keepalive().permit_without_calls());
  EXPECT_EQ(cl.max_send_message_bytes(), 1048576);
  EXPECT_EQ(cl.max_receive_message_bytes(), 2097152);
  EXPECT_EQ(cl.tls().server_name(), "b");
  EXPECT_EQ(cl.health_check().healthy_threshold(), 2u);
  EXPECT_EQ(c->routes(0).cluster(), "books");
  EXPECT_EQ(c->methods(0).retries().max_attempts(), 3u);
  EXPECT_EQ(c->methods(0).timeout().nanos(), 500000000);
  EXPECT_TRUE(c->methods(0).ignore_unknown_query_params());
  EXPECT_EQ(c->http().rules(0).additional_bindings(0).post(),
            "/v1/stats:refresh");
  EXPECT_TRUE(c->http().has_grpc_paths());
  EXPECT_FALSE(c->http().grpc_paths());
  EXPECT_TRUE(c->http().query_plus_as_space());
  EXPECT_EQ(c->http().always_ignored_query_params(1), "cb");
  EXPECT_EQ(c->transcoding().print().indent(), 2u);
  EXPECT_TRUE(c->transcoding().parse().case_insensitive_enums());
  EXPECT_EQ(c->transcoding().limits().max_json_bytes(), 1000000u);
  EXPECT_EQ(c->server().io_threads(), 4u);
  EXPECT_TRUE(c->server().has_drain_grace());
  EXPECT_EQ(c->headers().response(2).remove(), true);
  EXPECT_EQ(c->headers().response(0).set(), "1");
  EXPECT_TRUE(c->logging().log_requests());
}

TEST(ParseConfigTextTest, AcceptsJsonAndCamelCaseNames) {
  absl::StatusOr<v1::GatewayConfig> c = Parse(
      R"({"listen": "127.0.0.1:1", "server": {"ioThreads": "4",
          "drainGrace": "1s"}, "clusters": [{"name": "a",
          "lbPolicy": "ROUND_ROBIN", "plaintext": true}]})");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->server().io_threads(), 4u);
  EXPECT_EQ(c->server().drain_grace().seconds(), 1);
  EXPECT_EQ(c->clusters(0).lb_policy(), v1::Cluster::ROUND_ROBIN);
  EXPECT_TRUE(c->clusters(0).plaintext());
}

TEST(ParseConfigTextTest, EmptyDocumentIsAnEmptyConfig) {
  for (std::string_view text : {"", "# nothing\n", "~", "{}"}) {
    absl::StatusOr<v1::GatewayConfig> c = Parse(text);
    ASSERT_TRUE(c.ok()) << text << ": " << c.status();
    EXPECT_EQ(c->ByteSizeLong(), 0u) << text;
  }
}

TEST(ParseConfigTextTest, GrpcPathsIsUnsetUnlessGiven) {
  absl::StatusOr<v1::GatewayConfig> c = Parse("http: {}");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->http().has_grpc_paths());
}

TEST(ParseConfigTextTest, AnchorsAndAliasesShareSettings) {
  absl::StatusOr<v1::GatewayConfig> c = Parse(R"(
clusters:
  - &base {name: a, endpoints: [h:1], connect_timeout: 1s}
  - {name: b, endpoints: [h:2]}
methods:
  - {selector: a.A, retries: &r {max_attempts: 2}}
  - {selector: a.B, retries: *r}
)");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->methods(1).retries().max_attempts(), 2u);
}

struct BadCase {
  std::string_view yaml;
  std::string_view message;
};

class ParseConfigTextErrorTest : public testing::TestWithParam<BadCase> {};

TEST_P(ParseConfigTextErrorTest, NamesFilePositionAndProblem) {
  absl::StatusOr<v1::GatewayConfig> c = Parse(GetParam().yaml);
  ASSERT_FALSE(c.ok()) << c->ShortDebugString();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(c.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, ParseConfigTextErrorTest,
    testing::Values(
        BadCase{"listen: [127.0.0.1:80\n",
                "gw.yaml:2:1: end of sequence flow not found"},
        BadCase{"server:\n\tio_threads: 2\n",
                "gw.yaml:2:12: illegal map value"},
        BadCase{"listen: a:1\nlisten: a:2\n",
                "gw.yaml:2:1: duplicate key \"listen\""},
        BadCase{"listen: a:1\n---\nlisten: a:2\n",
                "gw.yaml:2:1: a second YAML document; a config file holds one"},
        BadCase{"[a, b]", "gw.yaml: expected object, got array"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Schema, ParseConfigTextErrorTest,
    testing::Values(
        BadCase{"lisen: a:1", "gw.yaml:1:1: field \"lisen\": unknown field"},
        BadCase{"clusters:\n  - name: a\n    endpoint: [h:1]\n",
                "gw.yaml:3:5: field \"clusters[0].endpoint\": unknown field"},
        BadCase{"listen: 8080",
                "gw.yaml:1:1: field \"listen\": expected string, got 8080"},
        BadCase{"server:\n  io_threads: many\n",
                "gw.yaml:2:3: field \"server.io_threads\": expected uint32, "
                "got \"many\""},
        BadCase{"server: {io_threads: -1}",
                "gw.yaml:1:10: field \"server.io_threads\": expected uint32, "
                "got -1"},
        BadCase{"logging: {log_requests: yes}",
                "gw.yaml:1:11: field \"logging.log_requests\": expected bool, "
                "got \"yes\""},
        BadCase{"method_defaults: {timeout: 5}",
                "gw.yaml:1:19: field \"method_defaults.timeout\": expected "
                "duration such as \"1.5s\", got 5"},
        BadCase{"clusters: [{name: a, lb_policy: RANDOM}]",
                "gw.yaml:1:22: field \"clusters[0].lb_policy\": unknown value "
                "\"RANDOM\" for enum LbPolicy"},
        BadCase{"clusters: {name: a}",
                "gw.yaml:1:1: field \"clusters\": expected array, got object"},
        BadCase{"clusters: [{name: a, plaintext: true, tls: {}}]",
                "gw.yaml:1:39: field \"clusters[0].tls\": oneof \"security\" "
                "already has field \"plaintext\" set"},
        BadCase{"http:\n  rules:\n    - {selector: a.B, get: /x, gett: /y}\n",
                "gw.yaml:3:32: field \"http.rules[0].gett\": unknown field"},
        BadCase{"transcoding: {limits: {max_depth: 1.5}}",
                "gw.yaml:1:24: field \"transcoding.limits.max_depth\": "
                "expected uint32, got 1.5"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

// Every rejected field, each at its position (the search goes on without
// the field, or without the list that holds a rejected item).
TEST(ParseConfigTextTest, ReportsEveryRejectedField) {
  absl::StatusOr<v1::GatewayConfig> c = Parse(R"(lisen: a:1
server:
  io_threads: many
  max_body_bytes: 10
clusters:
  - {name: a, endpoints: [1]}
  - {name: b, endpoints: [2]}
routes: [{service: s, clustr: a}]
logging: {log_requests: yes}
)");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(c.status().message()), '\n');
  EXPECT_THAT(
      lines,
      testing::ElementsAre(
          "gw.yaml:1:1: field \"lisen\": unknown field",
          "gw.yaml:3:3: field \"server.io_threads\": expected uint32, got "
          "\"many\"",
          "gw.yaml:6:27: field \"clusters[0].endpoints[0]\": expected "
          "string, got 1",
          "gw.yaml:7:27: field \"clusters[1].endpoints[0]\": expected "
          "string, got 2",
          "gw.yaml:8:23: field \"routes[0].clustr\": unknown field",
          "gw.yaml:9:11: field \"logging.log_requests\": expected bool, got "
          "\"yes\""));
}

TEST(ParseConfigTextTest, StopsAtAHundredRejectedFields) {
  std::string text;
  for (int i = 0; i < 150; ++i) text += "x" + std::to_string(i) + ": 1\n";
  absl::StatusOr<v1::GatewayConfig> c = Parse(text);
  ASSERT_FALSE(c.ok());
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(c.status().message()), '\n');
  EXPECT_EQ(lines.size(), 100u);
  EXPECT_EQ(lines.back(), "gw.yaml:100:1: field \"x99\": unknown field");
}

// Each rejected field means one more pass over the whole config: a large
// one stops early, saying so.
TEST(ParseConfigTextTest, BoundsTheSearchOfALargeConfig) {
  std::string text = "descriptors: {descriptor_sets: [";
  text += std::string(3 << 20, 'a');  // One 3 MiB file name.
  text += "]}\n";
  for (int i = 0; i < 40; ++i) text += "x" + std::to_string(i) + ": 1\n";
  absl::StatusOr<v1::GatewayConfig> c = Parse(text);
  ASSERT_FALSE(c.ok());
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(c.status().message()), '\n');
  ASSERT_EQ(lines.size(), 23u);  // 22 passes of 3 MiB > 64 MiB.
  EXPECT_EQ(lines[21], "gw.yaml:23:1: field \"x21\": unknown field");
  EXPECT_EQ(lines[22], "gw.yaml: stopped looking for further field problems");
}

constexpr std::string_view kValidHead = R"(
descriptors: {descriptor_sets: [api.binpb]}
routes: [{service: demo, cluster: a}]
)";

TEST(ParseValidatedConfigTextTest, AcceptsAValidConfig) {
  absl::StatusOr<v1::GatewayConfig> c = ParseValidatedConfigText(
      std::string(kValidHead) + "clusters: [{name: a, endpoints: [h:1]}]\n",
      "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->clusters(0).endpoints(0), "h:1");
}

TEST(ParseValidatedConfigTextTest, PrefixesFileAndPositionOfThePath) {
  absl::StatusOr<v1::GatewayConfig> c =
      ParseValidatedConfigText(std::string(kValidHead) +
                                   "clusters:\n"
                                   "  - name: a\n"
                                   "    endpoints: [h:1]\n"
                                   "  - name: b\n"
                                   "    endpoints:\n"
                                   "      - localhost\n",
                               "gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(c.status().message()),
            "gw.yaml:9:9: clusters[1] \"b\": endpoints[0]: \"localhost\" is "
            "not host:port");
}

TEST(ParseValidatedConfigTextTest, FallsBackToTheClosestWrittenAncestor) {
  absl::StatusOr<v1::GatewayConfig> c = ParseValidatedConfigText(
      std::string(kValidHead) +
          "clusters:\n"
          "  - {name: a, endpoints: [h:1], connectTimeout: 0s}\n",
      "gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            "gw.yaml:5:5: clusters[0] \"a\": connect_timeout: must be "
            "positive");
}

// Every problem, in the order of the text, each at its value's position,
// naming the cluster, route, method or policy it is about.
TEST(ParseValidatedConfigTextTest, ReportsEveryProblemWithItsPosition) {
  constexpr std::string_view kText = R"(listen: 127.0.0.1:8080
descriptors: {descriptor_sets: [api.binpb]}
server:
  io_threads: 5000
clusters:
  - name: books
    endpoints: ["books:99999"]
  - name: shelves
    endpoints: [shelves:1]
    health_check: {interval: 1s, timeout: 2s}
routes:
  - service: demo.bookstore
    cluster: bookz
  - {service: demo.shelves, cluster: shelves}
methods:
  - selector: demo.bookstore.v1.Bookstore.GetBook
    timeout: 0s
rate_limits:
  policies:
    - {name: per-ip, key: client_ip, requests: 0, per: 1s}
admin: {listen: "127.0.0.1:8080"}
)";
  absl::StatusOr<v1::GatewayConfig> c =
      ParseValidatedConfigText(kText, "gw.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(c.status().message()), '\n');
  EXPECT_THAT(
      lines,
      testing::ElementsAre(
          "gw.yaml:4:3: server.io_threads: 5000 is out of range (0 to 1024)",
          "gw.yaml:7:17: clusters[0] \"books\": endpoints[0]: port of "
          "\"books:99999\" is out of range (0 to 65535)",
          "gw.yaml:10:34: clusters[1] \"shelves\": health_check.timeout: "
          "longer than interval",
          "gw.yaml:13:5: routes[0] \"demo.bookstore\": cluster: unknown "
          "cluster \"bookz\"",
          "gw.yaml:17:5: methods[0] \"demo.bookstore.v1.Bookstore.GetBook\": "
          "timeout: must be positive",
          "gw.yaml:20:38: rate_limits.policies[0] \"per-ip\": requests: must "
          "be positive",
          "gw.yaml:21:9: admin.listen: same address as listen"));
}

TEST(ParseValidatedConfigTextTest, SectionsFlagsCanSupplyAreOptional) {
  // Descriptor sets and backends may come from the command line instead.
  absl::StatusOr<v1::GatewayConfig> c =
      ParseValidatedConfigText("listen: 127.0.0.1:1\n", "gw.yaml");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen(), "127.0.0.1:1");
}

TEST(LoadConfigFileTest, ReadsAFile) {
  const std::string path = testing::TempDir() + "/protogate_loader_test.yaml";
  std::ofstream(path) << "listen: 127.0.0.1:1\n";
  absl::StatusOr<v1::GatewayConfig> c = LoadConfigFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->listen(), "127.0.0.1:1");
  std::remove(path.c_str());
}

TEST(LoadConfigFileTest, ErrorsNameTheFile) {
  const std::string path = testing::TempDir() + "/protogate_bad_test.yaml";
  std::ofstream(path) << "listen: 127.0.0.1:1\nbogus: 1\n";
  absl::StatusOr<v1::GatewayConfig> c = LoadConfigFile(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(std::string(c.status().message()),
            path + ":2:1: field \"bogus\": unknown field");
  std::remove(path.c_str());
}

TEST(LoadConfigFileTest, MissingFileIsNotFound) {
  absl::StatusOr<v1::GatewayConfig> c = LoadConfigFile("/nonexistent/x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(c.status().message()),
            "config file \"/nonexistent/x.yaml\": No such file or directory");
}

TEST(LoadConfigFileTest, RejectsOversizedFiles) {
  const std::string path = testing::TempDir() + "/protogate_big_test.yaml";
  std::ofstream(path) << "# " << std::string(kMaxConfigFileBytes, 'x') << "\n";
  absl::StatusOr<v1::GatewayConfig> c = LoadConfigFile(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(c.status().message()),
            path + ": larger than 4194304 bytes");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace protogate::config
