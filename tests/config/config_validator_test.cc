#include "gateway/config/config_validator.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::config {
namespace {

// A valid config, section by section; each test case replaces one section.
const std::map<std::string, std::string>& BaseSections() {
  static const auto* const kSections = new std::map<std::string, std::string>{
      {"listen", "127.0.0.1:8080"},
      {"descriptors", "{descriptor_sets: [api.binpb]}"},
      {"clusters",
       "[{name: books, endpoints: [127.0.0.1:50051]}, "
       "{name: other, endpoints: [\"dns:///svc.local:443\"]}]"},
      {"routes", "[{service: demo.bookstore, cluster: books}]"},
  };
  return *kSections;
}

v1::GatewayConfig ConfigWith(const std::string& section,
                             const std::string& yaml) {
  std::map<std::string, std::string> sections = BaseSections();
  sections[section] = yaml;
  std::string text;
  for (const auto& [name, value] : sections) {
    if (!value.empty()) text += name + ": " + value + "\n";
  }
  absl::StatusOr<v1::GatewayConfig> config = ParseConfigText(text, "t.yaml");
  EXPECT_TRUE(config.ok()) << config.status() << "\n" << text;
  return config.value_or(v1::GatewayConfig());
}

TEST(ValidateConfigTest, AcceptsTheBaseConfig) {
  absl::Status status = ValidateConfig(ConfigWith("listen", "127.0.0.1:8080"));
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ValidateConfigTest, AcceptsEveryValidForm) {
  for (const auto& [section, yaml] :
       std::vector<std::pair<std::string, std::string>>{
           {"listen", "\"[::1]:0\""},
           {"listen", ""},
           {"admin", "{listen: localhost:9901}"},
           {"clusters",
            "[{name: b.x-1_2, endpoints: [\"unix:///tmp/s\"], "
            "plaintext: true, lb_policy: PICK_FIRST}, "
            "{name: books, endpoints: [a:1, \"[::1]:2\"]}]"},
           {"methods",
            "[{selector: demo, timeout: 1s}, "
            "{selector: demo.bookstore.v1.Bookstore.Get, "
            "retries: {max_attempts: 5}}]"},
           {"http",
            "{rules: [{selector: a.B.C, custom: {kind: HEAD, path: "
            "\"/v1/{name=shelves/*}:peek\"}}]}"},
           {"server", "{drain_grace: 0s, io_threads: 1024}"},
           {"headers",
            "{forward: [x-a, X-B], response: [{name: x, "
            "remove: true}]}"},
           {"headers",
            "{forward_prefixes: [x-tenant-], internal: [authorization], "
            "forward_response: [{name: x-a-bin}, {prefix: x-b-, rename: "
            "x-c-}]}"},
       }) {
    absl::Status status = ValidateConfig(ConfigWith(section, yaml));
    EXPECT_TRUE(status.ok()) << section << ": " << yaml << ": " << status;
  }
}

struct BadCase {
  std::string section;
  std::string yaml;
  std::string message;
};

class ValidateConfigErrorTest : public testing::TestWithParam<BadCase> {};

// The case's problem is one of the lines (a bad cluster name also makes
// the base config's route to "books" unknown).
TEST_P(ValidateConfigErrorTest, NamesTheConfigPath) {
  absl::Status status =
      ValidateConfig(ConfigWith(GetParam().section, GetParam().yaml));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  const std::vector<std::string> lines =
      absl::StrSplit(std::string(status.message()), '\n');
  EXPECT_THAT(lines, testing::Contains(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Listeners, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"listen", "localhost",
                "listen: \"localhost\" is not host:port"},
        BadCase{"listen", "\":8080\"", "listen: \":8080\" is not host:port"},
        BadCase{"listen", "\"a:b\"", "listen: \"a:b\" is not host:port"},
        BadCase{"listen", "\"a b:1\"", "listen: \"a b:1\" is not host:port"},
        BadCase{"listen", "a:70000",
                "listen: port of \"a:70000\" is out of range (0 to 65535)"},
        BadCase{"admin", "{listen: nope}",
                "admin.listen: \"nope\" is not host:port"},
        BadCase{"admin", "{listen: 127.0.0.1:8080}",
                "admin.listen: same address as listen"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Descriptors, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"descriptors", "{descriptor_sets: [a, \"\"]}",
                "descriptors.descriptor_sets[1]: empty"},
        BadCase{"descriptors", "{protos: [a.proto]}",
                "descriptors.proto_paths: required when protos are given"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Backends, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"backends", "[{service: \"\", target: a:1}]",
                "backends[0].service: \"\" is not a dotted protobuf name"},
        BadCase{"backends", "[{service: demo., target: a:1}]",
                "backends[0].service: \"demo.\" is not a dotted protobuf "
                "name"},
        BadCase{"backends", "[{service: demo..v1, target: a:1}]",
                "backends[0].service: \"demo..v1\" is not a dotted "
                "protobuf name"},
        BadCase{"backends", "[{service: demo, target: \"\"}]",
                "backends[0].target: \"\" is not host:port"},
        BadCase{"backends",
                "[{service: demo, target: a:1}, {service: b, target: a:1}, "
                "{service: demo, target: c:1}]",
                "backends[2].service: duplicate backend \"demo\" (also "
                "backends[0])"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Clusters, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"clusters", "[{endpoints: [a:1]}]",
                "clusters[0].name: empty cluster name"},
        BadCase{"clusters", "[{name: \"a b\", endpoints: [a:1]}]",
                "clusters[0].name: \"a b\" has characters other than "
                "[A-Za-z0-9_.-]"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1]}, {name: books, "
                "endpoints: [b:1]}]",
                "clusters[1].name: duplicate cluster \"books\" (also "
                "clusters[0])"},
        BadCase{"clusters", "[{name: books}]",
                "clusters[0].endpoints: at least one endpoint is required"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1]}, {name: x, endpoints: "
                "[localhost]}]",
                "clusters[1].endpoints[0]: \"localhost\" is not host:port"},
        BadCase{"clusters", "[{name: books, endpoints: [a:0]}]",
                "clusters[0].endpoints[0]: port of \"a:0\" must not be 0"},
        BadCase{"clusters", "[{name: books, endpoints: [a:1, \"dns:///b:1\"]}]",
                "clusters[0].endpoints[1]: \"dns:///b:1\" is a target with a "
                "scheme: it must be the cluster's only endpoint"},
        BadCase{"clusters", "[{name: books, endpoints: [\"dns:///b\"]}]",
                "clusters[0].endpoints[0]: \"b\" is not host:port"},
        BadCase{"clusters", "[{name: books, endpoints: [\"unix:///\"]}]",
                "clusters[0].endpoints[0]: empty socket path"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], connect_timeout: 0s}]",
                "clusters[0].connect_timeout: must be positive"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], keepalive: {time: -1s}}]",
                "clusters[0].keepalive.time: must be positive"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], max_send_message_bytes: "
                "-5}]",
                "clusters[0].max_send_message_bytes: -5 is out of range (1 to "
                "2147483647)"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], "
                "max_receive_message_bytes: 4294967296}]",
                "clusters[0].max_receive_message_bytes: 4294967296 is out of "
                "range (1 to 2147483647)"},
        BadCase{"clusters", "[{name: books, endpoints: [a:1], lb_policy: 7}]",
                "clusters[0].lb_policy: unknown policy 7"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], plaintext: false}]",
                "clusters[0].plaintext: must be true when given (set tls for "
                "TLS)"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], tls: {ca_file: "
                "/nonexistent/ca.pem}}]",
                "clusters[0].tls.ca_file: file \"/nonexistent/ca.pem\" does "
                "not exist"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], tls: {cert_file: c.pem}}]",
                "clusters[0].tls: cert_file and key_file go together"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], health_check: {interval: "
                "1s, timeout: 1s, unhealthy_threshold: 1, "
                "healthy_threshold: 200}}]",
                "clusters[0].health_check.healthy_threshold: 200 is out of "
                "range (1 to 100)"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], health_check: {interval: "
                "1s, timeout: 2s, unhealthy_threshold: 1, "
                "healthy_threshold: 1}}]",
                "clusters[0].health_check.timeout: longer than interval"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], health_check: {timeout: "
                "2s}}]",
                "clusters[0].health_check.interval: must be positive"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], health_check: {interval: "
                "1s, timeout: 1s, unhealthy_threshold: 101, "
                "healthy_threshold: 1}}]",
                "clusters[0].health_check.unhealthy_threshold: 101 is out of "
                "range (1 to 100)"},
        BadCase{"retry_budget", "{ratio: 1.5}",
                "retry_budget.ratio: 1.5 is out of range (0 to 1)"},
        BadCase{"retry_budget", "{max_tokens: 0.5}",
                "retry_budget.max_tokens: 0.5 is out of range (1 to 10000)"},
        BadCase{"retry_budget", "{min_per_second: -1}",
                "retry_budget.min_per_second: -1 is out of range (0 to 1000)"},
        BadCase{"clusters", "[{name: books, endpoints: [a:1, b:2, a:1]}]",
                "clusters[0].endpoints[2]: duplicate endpoint \"a:1\" (also "
                "endpoints[0])"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], tls: {ca_file: /tmp}}]",
                "clusters[0].tls.ca_file: \"/tmp\" is not a regular file"},
        BadCase{"clusters",
                "[{name: books, endpoints: [a:1], tls: {cert_file: "
                "/nonexistent/c.pem, key_file: /nonexistent/k.pem}}]",
                "clusters[0].tls.cert_file: file \"/nonexistent/c.pem\" does "
                "not exist"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    RoutesAndMethods, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"routes", "[{service: demo.bookstore, cluster: x}]",
                "routes[0].cluster: unknown cluster \"x\""},
        BadCase{"routes", "[{service: demo.bookstore}]",
                "routes[0].cluster: unknown cluster \"\""},
        BadCase{"routes", "[{cluster: books}]",
                "routes[0].service: \"\" is not a dotted protobuf name"},
        BadCase{"routes", "[{service: \"demo..x\", cluster: books}]",
                "routes[0].service: \"demo..x\" is not a dotted protobuf "
                "name"},
        BadCase{"routes",
                "[{service: a, cluster: books}, {service: a, cluster: "
                "other}]",
                "routes[1].service: duplicate service \"a\" (also "
                "routes[0])"},
        BadCase{"method_defaults", "{selector: a.B}",
                "method_defaults.selector: must be empty: defaults apply to "
                "every method"},
        BadCase{"method_defaults", "{timeout: -1s}",
                "method_defaults.timeout: must be positive"},
        BadCase{"methods", "[{timeout: 1s}]",
                "methods[0].selector: \"\" is not a dotted protobuf name"},
        BadCase{"methods", "[{selector: a.B, retries: {}}]",
                "methods[0].retries.max_attempts: 0 is out of range (1 to 5)"},
        BadCase{"methods",
                "[{selector: a.B, retries: {max_attempts: 2, "
                "initial_backoff: 0s}}]",
                "methods[0].retries.initial_backoff: must be positive"},
        BadCase{"methods", "[{selector: a.B}, {selector: a.B}]",
                "methods[1].selector: duplicate selector \"a.B\" (also "
                "methods[0])"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    Http, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"http", "{rules: [{get: /x}]}",
                "http.rules[0].selector: \"\" is not a dotted protobuf name"},
        BadCase{"http", "{rules: [{selector: \"a.B-C\", get: /x}]}",
                "http.rules[0].selector: \"a.B-C\" is not a dotted protobuf "
                "name"},
        BadCase{"http", "{rules: [{selector: a.B, body: \"*\"}]}",
                "http.rules[0]: no pattern (get, put, post, delete, patch or "
                "custom)"},
        BadCase{"http", "{rules: [{selector: a.B, custom: {path: /x}}]}",
                "http.rules[0].custom.kind: empty"},
        BadCase{"http",
                "{rules: [{selector: a.B, get: /x}, {selector: a.B, "
                "post: /y}]}",
                "http.rules[1].selector: duplicate selector \"a.B\" (also "
                "http.rules[0])"},
        BadCase{"http",
                "{rules: [{selector: a.B, get: /x, additional_bindings: "
                "[{selector: a.C, get: /y}]}]}",
                "http.rules[0].additional_bindings[0].selector: not allowed "
                "in additional_bindings"},
        BadCase{"http",
                "{rules: [{selector: a.B, get: /x, additional_bindings: "
                "[{get: /y, additional_bindings: [{get: /z}]}]}]}",
                "http.rules[0].additional_bindings[0].additional_bindings: "
                "additional_bindings do not nest"},
        BadCase{"http", "{always_ignored_query_params: [a, A, a]}",
                "http.always_ignored_query_params[2]: duplicate \"a\" (also "
                "http.always_ignored_query_params[0])"},
        BadCase{"http", "{always_ignored_query_params: [\"a=b\"]}",
                "http.always_ignored_query_params[0]: \"a=b\" is not a valid "
                "name"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

INSTANTIATE_TEST_SUITE_P(
    TranscodingServerHeaders, ValidateConfigErrorTest,
    testing::Values(
        BadCase{"transcoding", "{print: {indent: 9}}",
                "transcoding.print.indent: 9 is out of range (0 to 8)"},
        BadCase{"transcoding", "{limits: {max_depth: 1001}}",
                "transcoding.limits.max_depth: 1001 is out of range (1 to "
                "1000)"},
        BadCase{"transcoding", "{limits: {max_json_bytes: 2000000000}}",
                "transcoding.limits.max_json_bytes: 2000000000 is larger than "
                "the maximum 1073741824"},
        BadCase{"server", "{io_threads: 1025}",
                "server.io_threads: 1025 is out of range (0 to 1024)"},
        BadCase{"server", "{max_header_bytes: 2000000}",
                "server.max_header_bytes: 2000000 is larger than the maximum "
                "1048576"},
        BadCase{"server", "{read_timeout: 0s}",
                "server.read_timeout: must be positive"},
        BadCase{"server", "{idle_timeout: -0.5s}",
                "server.idle_timeout: must be positive"},
        BadCase{"server", "{drain_grace: -1s}",
                "server.drain_grace: must not be negative"},
        BadCase{"server", "{http2: {max_concurrent_streams: 10001}}",
                "server.http2.max_concurrent_streams: 10001 is larger than "
                "the maximum 10000"},
        BadCase{"server", "{http2: {initial_stream_window_bytes: 100}}",
                "server.http2.initial_stream_window_bytes: 100 is out of "
                "range (65535 to 2147483647)"},
        BadCase{"headers", "{forward: [\"x y\"]}",
                "headers.forward[0]: \"x y\" is not a valid name"},
        BadCase{"headers", "{forward: [x-a, X-A]}",
                "headers.forward[1]: duplicate \"X-A\" (also "
                "headers.forward[0])"},
        BadCase{"headers", "{forward_prefixes: [\":\"]}",
                "headers.forward_prefixes[0]: \":\" is not a valid name"},
        BadCase{"headers", "{response: [{name: x}]}",
                "headers.response[0]: no action (set, add or remove)"},
        BadCase{"headers", "{response: [{name: \"\", set: v}]}",
                "headers.response[0].name: \"\" is not a header name"},
        BadCase{"headers", "{response: [{name: x, add: \"a\\nb\"}]}",
                "headers.response[0].add: CR, LF or NUL in value"},
        BadCase{"headers", "{response: [{name: x, remove: false}]}",
                "headers.response[0].remove: must be true when given"},
        BadCase{"headers", "{forward: [x-a, grpc-timeout]}",
                "headers.forward[1]: \"grpc-timeout\" is never forwarded: "
                "reserved for gRPC"},
        BadCase{"headers", "{forward: [Connection]}",
                "headers.forward[0]: \"connection\" is never forwarded: a "
                "hop-by-hop header"},
        BadCase{"headers", "{forward: [content-length]}",
                "headers.forward[0]: \"content-length\" is never forwarded: "
                "set by the transport"},
        BadCase{"headers", "{forward: [\"x!y\"]}",
                "headers.forward[0]: \"x!y\" cannot be gRPC metadata (only "
                "letters, digits, '-', '_' and '.')"},
        BadCase{"headers", "{forward_prefixes: [grpc-]}",
                "headers.forward_prefixes[0]: \"grpc-\" is never forwarded: "
                "reserved for gRPC"},
        BadCase{"headers", "{forward_prefixes: [Proxy-X]}",
                "headers.forward_prefixes[0]: \"proxy-x\" is never "
                "forwarded: a hop-by-hop header"},
        BadCase{"headers", "{internal: [X-Request-Id]}",
                "headers.internal[0]: \"x-request-id\" is always forwarded "
                "by the gateway"},
        BadCase{"headers", "{response: [{name: Transfer-Encoding, set: x}]}",
                "headers.response[0].name: \"transfer-encoding\" is managed "
                "by the HTTP server"},
        BadCase{"headers", "{response: [{name: content-length, remove: true}]}",
                "headers.response[0].name: \"content-length\" is managed by "
                "the HTTP server"},
        BadCase{"headers", "{forward_response: [{name: a, prefix: b}]}",
                "headers.forward_response[0]: set exactly one of name and "
                "prefix"},
        BadCase{"headers", "{forward_response: [{name: grpc-status}]}",
                "headers.forward_response[0].name: \"grpc-status\" is never "
                "forwarded: reserved for gRPC"},
        BadCase{"headers",
                "{forward_response: [{name: x-a, rename: transfer-encoding}]}",
                "headers.forward_response[0].rename: \"transfer-encoding\" "
                "is never forwarded: a hop-by-hop header"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(ValidateConfigTest, AcceptsExistingTlsFiles) {
  const std::string ca = testing::TempDir() + "/protogate_validator_ca.pem";
  std::ofstream(ca) << "pem";
  absl::Status status = ValidateConfig(ConfigWith(
      "clusters", "[{name: books, endpoints: [a:1], tls: {ca_file: \"" + ca +
                      "\", cert_file: \"" + ca + "\", key_file: \"" + ca +
                      "\", server_name: books.internal}}]"));
  EXPECT_TRUE(status.ok()) << status;
  std::remove(ca.c_str());
}

TEST(ValidateConfigTest, RejectsInvalidDurationsBuiltInCode) {
  v1::GatewayConfig config = ConfigWith("listen", "127.0.0.1:1");
  config.mutable_server()->mutable_read_timeout()->set_seconds(1);
  config.mutable_server()->mutable_read_timeout()->set_nanos(-1);
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(std::string(status.message()),
            "server.read_timeout: invalid duration");
}

TEST(ValidateConfigTest, ReportsEveryProblemOncePerValue) {
  v1::GatewayConfig config =
      ConfigWith("clusters",
                 "[{name: books, endpoints: [a:1, a:1, \"b:70000\"], "
                 "connect_timeout: 0s}, {name: books, endpoints: [c:1]}]");
  *config.mutable_server() =
      ConfigWith("server", "{io_threads: 2000, read_timeout: -1s}").server();
  // Two checks look at headers.forward[0]; it has one problem.
  config.mutable_headers()->add_forward("a b");
  Problems problems;
  ValidateConfig(config, problems);
  EXPECT_THAT(
      problems.kept(),
      testing::ElementsAre(
          "clusters[0].endpoints[1]: duplicate endpoint \"a:1\" (also "
          "endpoints[0])",
          "clusters[0].endpoints[2]: port of \"b:70000\" is out of range (0 "
          "to 65535)",
          "clusters[0].connect_timeout: must be positive",
          "clusters[1].name: duplicate cluster \"books\" (also clusters[0])",
          "server.io_threads: 2000 is out of range (0 to 1024)",
          "server.read_timeout: must be positive",
          "headers.forward[0]: \"a b\" is not a valid name"));
  EXPECT_EQ(problems.count(), 7u);
  EXPECT_EQ(std::string(ValidateConfig(config).message()),
            absl::StrJoin(problems.kept(), "\n"));
}

TEST(ProblemsTest, KeepsTheFirstHundredAndCountsTheRest) {
  Problems problems;
  EXPECT_TRUE(problems.Add(absl::OkStatus()));
  EXPECT_TRUE(problems.ToStatus().ok());
  for (int i = 0; i < 130; ++i) {
    EXPECT_FALSE(problems.Add(absl::FailedPreconditionError(
        absl::StrCat("routes[", i, "].cluster: unknown"))));
  }
  problems.Add("routes[0].cluster", "a second problem of the same value");
  EXPECT_EQ(problems.count(), 130u);
  ASSERT_EQ(problems.kept().size(), Problems::kMaxKept);
  EXPECT_EQ(problems.kept()[99], "routes[99].cluster: unknown");
  absl::Status status = problems.ToStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              testing::StartsWith("routes[0].cluster: unknown\n"));
  EXPECT_THAT(std::string(status.message()),
              testing::EndsWith("\nroutes[99].cluster: unknown\n"
                                "(30 more problems)"));
}

}  // namespace
}  // namespace protogate::config
