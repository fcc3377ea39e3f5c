#include "gateway/server/flags.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/config/config_loader.h"
#include "gateway/config/defaults.h"
#include "gateway/server/launch_config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<GatewayFlags> Parse(std::vector<const char*> args) {
  return ParseFlags(args);
}

TEST(FlagsTest, ParsesEveryFlagInBothForms) {
  absl::StatusOr<GatewayFlags> flags =
      Parse({"--listen", "0.0.0.0:9090", "--descriptor_set=a.binpb",
             "--descriptor_set", "b.binpb", "--backend", "pkg=127.0.0.1:1",
             "--backend=pkg.Svc=dns:///localhost:2", "--timeout=250ms",
             "--drain_grace", "3s", "--io_threads=2", "--max_body_bytes=1024",
             "--verbose"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  const config::v1::GatewayConfig& c = flags->config;
  EXPECT_EQ(c.listen(), "0.0.0.0:9090");
  EXPECT_THAT(c.descriptors().descriptor_sets(),
              ::testing::ElementsAre("a.binpb", "b.binpb"));
  ASSERT_EQ(c.backends_size(), 2);
  EXPECT_EQ(c.backends(1).service(), "pkg.Svc");
  EXPECT_EQ(c.backends(1).target(), "dns:///localhost:2");
  EXPECT_EQ(config::ToDuration(c.method_defaults().timeout()),
            absl::Milliseconds(250));
  EXPECT_EQ(DrainGrace(c), absl::Seconds(3));
  auto listener = ListenerOptions(c);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->host, "0.0.0.0");
  EXPECT_EQ(listener->port, 9090);
  EXPECT_EQ(listener->io_threads, 2);
  EXPECT_EQ(listener->max_body_bytes, 1024u);
  EXPECT_TRUE(c.logging().log_requests());
}

TEST(FlagsTest, DefaultsComeFromOnePlace) {
  absl::StatusOr<GatewayFlags> flags = Parse({"--descriptor_set=a"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  auto listener = ListenerOptions(flags->config);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(absl::StrCat(listener->host, ":", listener->port),
            config::kDefaultListen);
  EXPECT_EQ(listener->max_body_bytes, http::ServerOptions().max_body_bytes);
  EXPECT_EQ(DrainGrace(flags->config), config::kDefaultDrainGrace);
  EXPECT_EQ(WatchInterval(flags->config), config::kDefaultWatchInterval);
}

TEST(FlagsTest, AcceptsBracketedIpv6Listen) {
  absl::StatusOr<GatewayFlags> flags =
      Parse({"--listen=[::1]:0", "--descriptor_set=a"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  auto listener = ListenerOptions(flags->config);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_EQ(listener->host, "::1");
  EXPECT_EQ(listener->port, 0);
}

TEST(FlagsTest, HelpNeedsNothingElse) {
  absl::StatusOr<GatewayFlags> flags = Parse({"--help"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->help);
}

struct BadFlagCase {
  std::vector<const char*> args;
  const char* message;
};

TEST(FlagsTest, RejectsBadFlagsNamingThem) {
  const BadFlagCase cases[] = {
      {{"--descriptor_set=a", "--nope=1"}, "unknown flag --nope"},
      {{"--descriptor_set=a", "--listen=8080"},
       "flag --listen: invalid value \"8080\""},
      {{"--descriptor_set=a", "--listen=h:99999"},
       "flag --listen: invalid value"},
      {{"--descriptor_set=a", "--backend=noequals"},
       "flag --backend: invalid value \"noequals\""},
      {{"--descriptor_set=a", "--backend==x"}, "flag --backend"},
      {{"--descriptor_set=a", "--backend=pkg=localhost"},
       "flag --backend: invalid value \"pkg=localhost\""},
      {{"--descriptor_set=a", "--timeout=soon"},
       "flag --timeout: invalid value \"soon\""},
      {{"--descriptor_set=a", "--timeout=-1s"}, "flag --timeout"},
      {{"--descriptor_set=a", "--io_threads=x"}, "flag --io_threads"},
      {{"--descriptor_set"}, "flag --descriptor_set needs a value"},
      {{"positional"}, "unexpected argument \"positional\""},
      {{"--listen=127.0.0.1:1"},
       "flag --descriptor_set, --proto or --reflection is required"},
  };
  for (const BadFlagCase& c : cases) {
    absl::StatusOr<GatewayFlags> flags = Parse(c.args);
    ASSERT_FALSE(flags.ok()) << c.message;
    EXPECT_EQ(flags.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(flags.status().message()), HasSubstr(c.message));
  }
}

TEST(FlagsTest, UsageDocumentsEveryFlag) {
  std::string usage = Usage();
  for (const char* flag :
       {"--listen", "--descriptor_set", "--backend", "--timeout",
        "--drain_grace", "--io_threads", "--max_body_bytes", "--verbose",
        "--help", "--proto", "--proto_path", "--reflection",
        "--reflection_refresh", "--watch_interval"}) {
    EXPECT_THAT(usage, HasSubstr(flag));
  }
}

}  // namespace
}  // namespace protogate::server
