#include "gateway/server/flags.h"

#include <vector>

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
  EXPECT_EQ(flags->listen_host, "0.0.0.0");
  EXPECT_EQ(flags->listen_port, 9090);
  EXPECT_THAT(flags->descriptor_sets,
              ::testing::ElementsAre("a.binpb", "b.binpb"));
  ASSERT_EQ(flags->backends.size(), 2u);
  EXPECT_EQ(flags->backends[1].name, "pkg.Svc");
  EXPECT_EQ(flags->backends[1].target, "dns:///localhost:2");
  EXPECT_EQ(flags->timeout, absl::Milliseconds(250));
  EXPECT_EQ(flags->drain_grace, absl::Seconds(3));
  EXPECT_EQ(flags->io_threads, 2);
  EXPECT_EQ(flags->max_body_bytes, 1024u);
  EXPECT_TRUE(flags->verbose);
}

TEST(FlagsTest, AcceptsBracketedIpv6Listen) {
  absl::StatusOr<GatewayFlags> flags =
      Parse({"--listen=[::1]:0", "--descriptor_set=a"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->listen_host, "::1");
  EXPECT_EQ(flags->listen_port, 0);
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
