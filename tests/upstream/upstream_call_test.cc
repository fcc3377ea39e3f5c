// Calls through Upstreams to a real in-process gRPC server (the demo
// Bookstore on 127.0.0.1:0).
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "demo/bookstore.pb.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/backends_config.h"
#include "tests/upstream/upstream_test_util.h"

namespace protogate::upstream::testing {
namespace {

namespace pb = ::demo::bookstore::v1;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;

pb::GetBookRequest GetBookRequest(int64_t shelf, int64_t book) {
  pb::GetBookRequest request;
  request.set_shelf(shelf);
  request.set_book(book);
  return request;
}

using UpstreamCallTest = DemoBackendTest;

TEST_F(UpstreamCallTest, RoundTripReturnsTheResponseMessage) {
  CallResult result = Call("GetBook", GetBookRequest(1, 2));
  ASSERT_TRUE(result.status.ok()) << result.status;
  pb::Book book;
  ASSERT_TRUE(book.ParseFromString(result.payload));
  EXPECT_EQ(book.id(), 2);
  EXPECT_EQ(book.shelf_id(), 1);
  EXPECT_EQ(book.title(), "Beloved");
  EXPECT_THAT(result.headers, Contains(Pair("x-demo-server", "bookstore")));
  EXPECT_TRUE(result.status_details.empty());
}

TEST_F(UpstreamCallTest, NotFoundCarriesMessageAndStatusDetails) {
  CallResult result = Call("GetBook", GetBookRequest(1, 42));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(result.status.message(), "book 42 not found on shelf 1");
  EXPECT_TRUE(result.payload.empty());

  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(result.status_details));
  EXPECT_EQ(details.code(), 5);
  EXPECT_EQ(details.message(), "book 42 not found on shelf 1");
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ResourceInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.resource_name(), "shelves/1/books/42");

  for (const char* key :
       {"grpc-status", "grpc-message", "grpc-status-details-bin"}) {
    EXPECT_THAT(result.trailers, Not(Contains(Key(key))));
  }
}

TEST_F(UpstreamCallTest, EmptyResponseMessageIsOk) {
  pb::DeleteBookRequest request;
  request.set_shelf(2);
  request.set_book(5);
  CallResult result = Call("DeleteBook", request);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_TRUE(result.payload.empty());
}

TEST_F(UpstreamCallTest, SlowBackendFailsWithDeadlineExceeded) {
  const absl::Time start = absl::Now();
  CallResult result =
      Call("GetBook", GetBookRequest(1, 1), {{"x-demo-delay-ms", "10000"}},
           start + absl::Milliseconds(200));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(UpstreamCallTest, CancellerCancelsARunningCall) {
  auto canceller = std::make_shared<CallCanceller>();
  CallRequest request{.method = BookstoreMethod("GetBook"),
                      .payload = GetBookRequest(1, 1).SerializeAsString(),
                      .deadline = absl::Now() + absl::Seconds(30),
                      .metadata = {{"x-demo-delay-ms", "10000"}},
                      .canceller = canceller};
  absl::Notification done;
  CallResult result;
  const absl::Time start = absl::Now();
  channel().Call(std::move(request), [&](CallResult r) {
    result = std::move(r);
    done.Notify();
  });
  EXPECT_FALSE(done.HasBeenNotified());
  canceller->Cancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled)
      << result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(UpstreamCallTest, CallsWithACancelledCancellerFailAtOnce) {
  auto canceller = std::make_shared<CallCanceller>();
  canceller->Cancel();
  CallRequest request{.method = BookstoreMethod("ListShelves"),
                      .canceller = canceller};
  CallResult result = CallAndWait(channel(), std::move(request));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled);
}

TEST_F(UpstreamCallTest, DefaultTimeoutAppliesWithoutDeadline) {
  UpstreamOptions options;
  options.default_timeout = absl::Milliseconds(200);
  MakeUpstreams(options);
  const absl::Time start = absl::Now();
  CallResult result =
      Call("GetBook", GetBookRequest(1, 1), {{"x-demo-delay-ms", "10000"}});
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(UpstreamCallTest, DeadlineInThePastFailsAtOnce) {
  CallResult result =
      Call("GetBook", GetBookRequest(1, 1), {}, absl::Now() - absl::Seconds(1));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << result.status;
}

TEST(UpstreamDownTest, BackendDownIsUnavailableFast) {
  RefusingPort refusing;
  auto upstreams = Upstreams::Create(
      ::protogate::testing::BackendsConfig(
          {{.service = "demo",
            .target = "127.0.0.1:" + std::to_string(refusing.port())}}),
      {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  Channel* channel = (*upstreams)->Resolve("demo.bookstore.v1.Bookstore");
  ASSERT_NE(channel, nullptr);
  CallRequest request;
  request.method = BookstoreMethod("GetBook");
  request.payload = GetBookRequest(1, 1).SerializeAsString();
  const absl::Time start = absl::Now();
  CallResult result = CallAndWait(*channel, std::move(request));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable)
      << result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
}

TEST_F(UpstreamCallTest, RequestMetadataReachesTheBackend) {
  const std::string bytes("\x00\xff\x01", 3);
  CallResult result =
      Call("GetBook", GetBookRequest(1, 1),
           {{"x-demo-echo-trace", "abc-123"}, {"x-demo-echo-blob-bin", bytes}});
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_THAT(result.trailers, Contains(Pair("x-demo-echo-trace", "abc-123")));
  EXPECT_THAT(result.trailers, Contains(Pair("x-demo-echo-blob-bin", bytes)));
}

TEST_F(UpstreamCallTest, BackendErrorCodeIsKept) {
  CallResult unavailable =
      Call("GetBook", GetBookRequest(1, 1), {{"x-demo-fail", "yes"}});
  EXPECT_EQ(unavailable.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(unavailable.status.message()),
              HasSubstr("x-demo-fail"));
  CallResult denied =
      Call("GetBook", GetBookRequest(1, 1), {{"x-demo-fail", "7"}});
  EXPECT_EQ(denied.status.code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(UpstreamCallTest, UnknownMethodIsUnimplemented) {
  CallResult result = Call("NoSuchMethod", google::protobuf::Empty());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnimplemented);
}

TEST_F(UpstreamCallTest, InvalidRequestsAreRejectedInlineWithoutSending) {
  struct Case {
    std::string method;
    Metadata metadata;
    std::string expected;  // In the message.
  };
  const std::vector<Case> cases = {
      {"GetBook", {{"Bad Key", "v"}}, "\"Bad Key\""},
      {"GetBook", {{"", "v"}}, "empty"},
      {"GetBook", {{"grpc-timeout", "1S"}}, "grpc-timeout"},
      {"GetBook", {{"te", "trailers"}}, "\"te\""},
      {"GetBook", {{"x-name", "caf\xc3\xa9"}}, "x-name"},
      {"GetBook", {{"x-name", "a\r\nb"}}, "x-name"},
      {"", {}, "method"},
  };
  for (const Case& c : cases) {
    CallRequest request;
    request.method = c.method.empty() ? "nope" : BookstoreMethod(c.method);
    request.metadata = c.metadata;
    bool ran = false;
    absl::Status status;
    channel().Call(std::move(request), [&](CallResult result) {
      ran = true;
      status = result.status;
    });
    ASSERT_TRUE(ran) << c.expected;  // Completed before Call() returned.
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(status.ToString(), HasSubstr(c.expected));
  }
}

TEST_F(UpstreamCallTest, RequestOverSendLimitIsResourceExhausted) {
  MakeUpstreams({}, "max_send_message_bytes: 16");
  pb::CheckIsbnsRequest request;
  request.add_isbns("9780441478125");
  request.add_isbns("9781400033416");
  CallResult result = Call("CheckIsbns", request);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status.ToString(), HasSubstr("limit of 16 bytes"));
}

TEST_F(UpstreamCallTest, ResponseOverReceiveLimitIsInternal) {
  MakeUpstreams({}, "max_receive_message_bytes: 16");
  CallResult result = Call("ListShelves", google::protobuf::Empty());
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal) << result.status;
  EXPECT_THAT(result.status.ToString(),
              HasSubstr("exceeds the receive limit of 16 bytes"));
  EXPECT_TRUE(result.payload.empty());
}

TEST_F(UpstreamCallTest, RequestOverBackendLimitIsResourceExhausted) {
  // The demo server keeps gRPC's default 4 MiB receive limit.
  pb::CheckIsbnsRequest request;
  request.add_isbns(std::string(5 * 1024 * 1024, '9'));
  CallResult result = Call("CheckIsbns", request);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kResourceExhausted)
      << result.status;
}

TEST_F(UpstreamCallTest, ConcurrentCallsAllComplete) {
  constexpr int kCalls = 64;
  struct Shared {
    std::atomic<int> remaining{kCalls};
    std::atomic<int> expected{0};  // OK or NOT_FOUND, as the data says.
    absl::Notification all_done;
  };
  auto shared = std::make_shared<Shared>();
  for (int i = 0; i < kCalls; ++i) {
    CallRequest request;
    request.method = BookstoreMethod("GetBook");
    request.payload = GetBookRequest(i % 2 + 1, i % 6 + 1).SerializeAsString();
    channel().Call(std::move(request), [shared](CallResult result) {
      if (result.status.ok() ||
          result.status.code() == absl::StatusCode::kNotFound) {
        shared->expected.fetch_add(1);
      }
      if (shared->remaining.fetch_sub(1) == 1) shared->all_done.Notify();
    });
  }
  ASSERT_TRUE(
      shared->all_done.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(shared->expected.load(), kCalls);
}

}  // namespace
}  // namespace protogate::upstream::testing

namespace protogate::upstream::testing {
namespace {

// The last owner of the Upstreams (a snapshot replaced by a reload) can be
// a call's completion callback: destroying the channels there must be safe
// (with gRPC's channels it crashed within a few dozen rounds).
TEST(UpstreamLifetimeTest, UpstreamsMayDieInsideACompletionCallback) {
  auto server = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  for (int round = 0; round < 60; ++round) {
    auto upstreams = Upstreams::Create(
        ::protogate::testing::BackendsConfig(
            {{.service = "demo", .target = (*server)->address()}}),
        {});
    ASSERT_TRUE(upstreams.ok()) << upstreams.status();
    Channel* channel = (*upstreams)->Resolve("demo.bookstore.v1.Bookstore");
    ASSERT_NE(channel, nullptr);
    std::shared_ptr<Upstreams> owner = std::move(*upstreams);
    absl::Notification done;
    absl::StatusCode code = absl::StatusCode::kUnknown;
    CallRequest request{.method = BookstoreMethod("ListShelves"),
                        .deadline = absl::Now() + absl::Seconds(10)};
    channel->Call(std::move(request), [owner = std::move(owner), &done,
                                       &code](CallResult result) mutable {
      code = result.status.code();
      owner.reset();  // The last reference: destroys channels.
      done.Notify();
    });
    ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)));
    EXPECT_EQ(code, absl::StatusCode::kOk);
  }
}

}  // namespace
}  // namespace protogate::upstream::testing
