#include "gateway/upstream/upstreams.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::upstream {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

absl::Status CreateStatus(std::vector<BackendSpec> backends,
                          UpstreamOptions options = {}) {
  return Upstreams::Create(std::move(backends), options).status();
}

TEST(UpstreamsTest, CreateRejectsEmptyName) {
  absl::Status s = CreateStatus(
      {{.name = "a", .target = "127.0.0.1:1"}, {.name = "", .target = "x:1"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(), HasSubstr("backends[1].name"));
}

TEST(UpstreamsTest, CreateRejectsMalformedName) {
  for (const char* name : {".demo", "demo.", "demo..v1"}) {
    absl::Status s = CreateStatus({{.name = name, .target = "127.0.0.1:1"}});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(s.ToString(), HasSubstr(name));
  }
}

TEST(UpstreamsTest, CreateRejectsEmptyTarget) {
  absl::Status s = CreateStatus({{.name = "demo.bookstore", .target = ""}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(),
              AllOf(HasSubstr("backends[0]"), HasSubstr("demo.bookstore"),
                    HasSubstr("target")));
}

TEST(UpstreamsTest, CreateRejectsDuplicateName) {
  absl::Status s =
      CreateStatus({{.name = "demo.bookstore", .target = "127.0.0.1:1"},
                    {.name = "other", .target = "127.0.0.1:2"},
                    {.name = "demo.bookstore", .target = "127.0.0.1:3"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.ToString(),
              AllOf(HasSubstr("backends[2]"), HasSubstr("\"demo.bookstore\""),
                    HasSubstr("twice")));
}

TEST(UpstreamsTest, CreateRejectsNonPositiveOptions) {
  UpstreamOptions no_timeout;
  no_timeout.default_timeout = absl::ZeroDuration();
  EXPECT_THAT(CreateStatus({}, no_timeout).ToString(),
              HasSubstr("default_timeout"));
  UpstreamOptions no_size;
  no_size.max_receive_message_bytes = 0;
  EXPECT_THAT(CreateStatus({}, no_size).ToString(),
              HasSubstr("max_receive_message_bytes"));
  UpstreamOptions no_keepalive;
  no_keepalive.keepalive_time = absl::Seconds(-1);
  EXPECT_THAT(CreateStatus({}, no_keepalive).ToString(),
              HasSubstr("keepalive_time"));
}

TEST(UpstreamsTest, CreateDoesNotConnect) {
  // Nothing listens on port 1; channels connect only when first used.
  EXPECT_TRUE(CreateStatus({{.name = "demo", .target = "127.0.0.1:1"}}).ok());
}

TEST(UpstreamsTest, ResolvePicksLongestMatchAtDotBoundary) {
  auto upstreams = Upstreams::Create(
      {{.name = "demo", .target = "127.0.0.1:1"},
       {.name = "demo.bookstore", .target = "127.0.0.1:2"},
       {.name = "demo.bookstore.v1.Bookstore", .target = "127.0.0.1:3"},
       {.name = "other.book", .target = "127.0.0.1:4"}},
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
  auto upstreams =
      Upstreams::Create({{.name = "demo.book", .target = "127.0.0.1:1"}}, {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  EXPECT_EQ((*upstreams)->Resolve("demo.bookstore.v1.Bookstore"), nullptr);
  EXPECT_NE((*upstreams)->Resolve("demo.book.Service"), nullptr);
}

TEST(UpstreamsTest, BackendsWithTheSameTargetResolveSeparately) {
  auto upstreams =
      Upstreams::Create({{.name = "a.v1", .target = "127.0.0.1:1"},
                         {.name = "b.v1", .target = "127.0.0.1:1"}},
                        {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  EXPECT_NE((*upstreams)->Resolve("a.v1.S"), nullptr);
  EXPECT_NE((*upstreams)->Resolve("b.v1.S"), nullptr);
}

}  // namespace
}  // namespace protogate::upstream
