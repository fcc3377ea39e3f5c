#include "gateway/upstream/upstreams.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/backends_config.h"

namespace protogate::upstream {
namespace {

using ::testing::HasSubstr;

absl::Status CreateStatus(
    const std::vector<::protogate::testing::TestBackend>& backends,
    UpstreamOptions options = {}) {
  return Upstreams::Create(::protogate::testing::BackendsConfig(backends),
                           options)
      .status();
}

// Backends, clusters and routes are checked by config::ValidateConfig
// (tests/config); Upstreams::Create checks only its own options.
TEST(UpstreamsTest, CreateRejectsNonPositiveOptions) {
  UpstreamOptions no_timeout;
  no_timeout.default_timeout = absl::ZeroDuration();
  EXPECT_THAT(CreateStatus({}, no_timeout).ToString(),
              HasSubstr("default_timeout"));
  UpstreamOptions no_backoff;
  no_backoff.max_reconnect_backoff = absl::Seconds(-1);
  EXPECT_THAT(CreateStatus({}, no_backoff).ToString(),
              HasSubstr("max_reconnect_backoff"));
}

TEST(UpstreamsTest, CreateDoesNotConnect) {
  // Nothing listens on port 1; channels connect only when first used.
  EXPECT_TRUE(
      CreateStatus({{.service = "demo", .target = "127.0.0.1:1"}}).ok());
}

TEST(UpstreamsTest, ResolvePicksLongestMatchAtDotBoundary) {
  auto upstreams = Upstreams::Create(
      ::protogate::testing::BackendsConfig(
          {{.service = "demo", .target = "127.0.0.1:1"},
           {.service = "demo.bookstore", .target = "127.0.0.1:2"},
           {.service = "demo.bookstore.v1.Bookstore", .target = "127.0.0.1:3"},
           {.service = "other.book", .target = "127.0.0.1:4"}}),
      {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  const Upstreams& u = **upstreams;
  Channel* demo = u.Resolve("demo");
  Channel* bookstore = u.Resolve("demo.bookstore");
  Channel* service = u.Resolve("demo.bookstore.v1.Bookstore");
  ASSERT_NE(demo, nullptr);
  ASSERT_NE(bookstore, nullptr);
  ASSERT_NE(service, nullptr);
  EXPECT_NE(demo, bookstore);
  EXPECT_NE(bookstore, service);

  EXPECT_EQ(u.Resolve("demo.bookstore.v2.Bookstore"), bookstore);
  EXPECT_EQ(u.Resolve("demo.bookstore.v1.Other"), bookstore);
  EXPECT_EQ(u.Resolve("demo.library.v1.Library"), demo);
  EXPECT_EQ(u.Resolve("demo.bookstores.v1.X"), demo);  // Not "demo.bookstore".
  EXPECT_EQ(u.Resolve("other.bookstore.v1.Bookstore"), nullptr);
  EXPECT_EQ(u.Resolve("demox.Service"), nullptr);
  EXPECT_EQ(u.Resolve("unknown.Service"), nullptr);
  EXPECT_EQ(u.Resolve(""), nullptr);
}

TEST(UpstreamsTest, ResolveDoesNotMatchInsideASegment) {
  auto upstreams = Upstreams::Create(
      ::protogate::testing::BackendsConfig(
          {{.service = "demo.book", .target = "127.0.0.1:1"}}),
      {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  EXPECT_EQ((*upstreams)->Resolve("demo.bookstore.v1.Bookstore"), nullptr);
  EXPECT_NE((*upstreams)->Resolve("demo.book.Service"), nullptr);
}

TEST(UpstreamsTest, BackendsWithTheSameTargetResolveSeparately) {
  auto upstreams =
      Upstreams::Create(::protogate::testing::BackendsConfig(
                            {{.service = "a.v1", .target = "127.0.0.1:1"},
                             {.service = "b.v1", .target = "127.0.0.1:1"}}),
                        {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  EXPECT_NE((*upstreams)->Resolve("a.v1.S"), nullptr);
  EXPECT_NE((*upstreams)->Resolve("b.v1.S"), nullptr);
}

}  // namespace
}  // namespace protogate::upstream
