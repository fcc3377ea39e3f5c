// Streaming calls on protogate's own HTTP/2 client (h2_stream.h) against
// the real demo Bookstore (server, client and bidirectional streams,
// backpressure, cancellation, the loop a stream runs on) and a raw HTTP/2
// backend that answers a 64 MiB message (refused on its frame header).
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "demo/bookstore.pb.h"
#include "gateway/base/io_thread.h"
#include "gateway/upstream/h2_channel.h"
#include "gtest/gtest.h"
#include "tests/testing/grpc/raw_h2_server.h"
#include "tests/upstream/upstream_test_util.h"
#include "tools/demo/demo_server.h"

namespace protogate::upstream::testing {
namespace {

namespace bookstore_pb = ::demo::bookstore::v1;
using ::protogate::testing::RawH2Response;
using ::protogate::testing::RawH2Server;

// Records what a stream delivers. With `auto_read`, asks for the next
// message after each one.
class Recorder final : public StreamObserver {
 public:
  explicit Recorder(bool auto_read) : auto_read_(auto_read) {}

  void OnStart(std::shared_ptr<StreamCall> call) override {
    absl::MutexLock lock(&mu_);
    call_ = std::move(call);
  }
  void OnMessage(StreamMessage message) override {
    std::shared_ptr<StreamCall> call;
    {
      absl::MutexLock lock(&mu_);
      messages_.push_back(std::move(message.payload));
      threads_.push_back(std::this_thread::get_id());
      if (messages_.size() == 1) first_headers_ = std::move(message.headers);
      call = call_;
    }
    if (auto_read_) call->ReadNext();
  }
  void OnDone(CallResult result) override {
    absl::MutexLock lock(&mu_);
    result_ = std::move(result);
    threads_.push_back(std::this_thread::get_id());
    done_ = true;
  }

  // Waits for OnDone (at most 20 s); its result.
  CallResult Wait() {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(20));
    EXPECT_TRUE(done_) << "the stream did not end";
    return result_;
  }
  // Waits until `n` messages arrived (at most 20 s).
  bool WaitForMessages(size_t n) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return messages_.size() >= n || done_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(20));
    return messages_.size() >= n;
  }
  std::vector<std::string> messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }
  std::vector<std::thread::id> threads() {
    absl::MutexLock lock(&mu_);
    return threads_;
  }
  std::shared_ptr<StreamCall> call() {
    absl::MutexLock lock(&mu_);
    return call_;
  }

 private:
  const bool auto_read_;
  absl::Mutex mu_;
  std::shared_ptr<StreamCall> call_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> messages_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread::id> threads_ ABSL_GUARDED_BY(mu_);
  Metadata first_headers_ ABSL_GUARDED_BY(mu_);
  CallResult result_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

std::unique_ptr<H2Channel> MakeChannel(const std::string& address,
                                       H2ChannelOptions options = {}) {
  std::optional<H2Endpoint> endpoint = ParseH2Endpoint(address);
  EXPECT_TRUE(endpoint.has_value()) << address;
  options.endpoint = endpoint.value_or(H2Endpoint{});
  return std::make_unique<H2Channel>(std::move(options));
}

StreamRequest StreamBooks(int repeat) {
  bookstore_pb::StreamBooksRequest request;
  request.set_shelf(1);
  request.set_repeat(repeat);
  return {.method = BookstoreMethod("StreamBooks"),
          .messages = {request.SerializeAsString()},
          .deadline = absl::Now() + absl::Seconds(30)};
}

class H2StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = MakeChannel(server_->address());
  }
  demo::BookstoreService& service() { return server_->service(); }

  std::unique_ptr<demo::DemoServer> server_;
  std::unique_ptr<H2Channel> channel_;
};

TEST_F(H2StreamTest, ServerStreamDeliversEveryMessageThenOk) {
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  channel_->Stream(StreamBooks(1), recorder);
  CallResult result = recorder->Wait();
  EXPECT_TRUE(result.status.ok()) << result.status;
  std::vector<std::string> messages = recorder->messages();
  ASSERT_EQ(messages.size(), 3u);
  bookstore_pb::Book book;
  ASSERT_TRUE(book.ParseFromString(messages[0]));
  EXPECT_EQ(book.title(), "The Left Hand of Darkness");
}

TEST_F(H2StreamTest, StreamStartedOnALoopRunsOnThatLoop) {
  boost::asio::io_context ioc;
  auto work = boost::asio::make_work_guard(ioc);
  std::thread::id loop_thread;
  std::thread loop([&] {
    const base::ScopedIoThread registration(&ioc, nullptr);
    loop_thread = std::this_thread::get_id();
    ioc.run();
  });
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  boost::asio::post(ioc, [&] { channel_->Stream(StreamBooks(2), recorder); });
  CallResult result = recorder->Wait();
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(recorder->messages().size(), 6u);
  for (std::thread::id id : recorder->threads()) EXPECT_EQ(id, loop_thread);
  // The channel holds a connection on `ioc`: its destructor posts that
  // connection's shutdown there, so it goes while the loop still runs.
  channel_.reset();
  boost::asio::post(ioc, [] { base::DrainIoThreadResidents(); });
  work.reset();
  loop.join();
}

// 3 books x 40000: while the reader does not ask for more, the backend
// stalls after about one stream window; then every message arrives.
TEST_F(H2StreamTest, UnreadMessagesHoldTheBackendBack) {
  constexpr int64_t kTotal = 120000;
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/false);
  channel_->Stream(StreamBooks(40000), recorder);
  ASSERT_TRUE(recorder->WaitForMessages(1));
  int64_t last = -1;
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (absl::Now() < until) {  // Until the backend stops making progress.
    const int64_t now = service().streamed_books();
    if (now == last) break;
    last = now;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_LT(last, kTotal / 4) << "the client drained the backend";
  EXPECT_EQ(recorder->messages().size(), 1u);
  // Read the rest, one ReadNext per message.
  for (int64_t i = 1; i < kTotal; ++i) {
    recorder->call()->ReadNext();
    ASSERT_TRUE(recorder->WaitForMessages(static_cast<size_t>(i + 1))) << i;
  }
  recorder->call()->ReadNext();
  CallResult result = recorder->Wait();
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(service().streamed_books(), kTotal);
}

TEST_F(H2StreamTest, CancelEndsTheCallAndTheBackendsStream) {
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/false);
  channel_->Stream(StreamBooks(100000), recorder);
  ASSERT_TRUE(recorder->WaitForMessages(1));
  recorder->call()->Cancel();
  CallResult result = recorder->Wait();
  EXPECT_EQ(result.status.code(), absl::StatusCode::kCancelled)
      << result.status;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (service().active_streams() > 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(service().active_streams(), 0);
}

TEST_F(H2StreamTest, BidirectionalStreamAnswersEachWrite) {
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  StreamRequest request{.method = BookstoreMethod("LookupBooks"),
                        .write_incrementally = true,
                        .deadline = absl::Now() + absl::Seconds(20)};
  std::shared_ptr<StreamCall> call =
      channel_->Stream(std::move(request), recorder);
  for (int i = 1; i <= 3; ++i) {
    bookstore_pb::LookupBookRequest lookup;
    lookup.set_name("shelves/1/books/" + std::to_string(i));
    absl::Notification written;
    bool ok = false;
    call->Write(lookup.SerializeAsString(), [&](bool w) {
      ok = w;
      written.Notify();
    });
    ASSERT_TRUE(written.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(ok);
    // Interactive: the answer comes before the next write.
    ASSERT_TRUE(recorder->WaitForMessages(static_cast<size_t>(i)));
  }
  call->WritesDone();
  CallResult result = recorder->Wait();
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(recorder->messages().size(), 3u);
}

TEST_F(H2StreamTest, ClientStreamSendsAllMessagesThenGetsOneAnswer) {
  std::vector<std::string> messages;
  for (const char* title : {"A", "B"}) {
    bookstore_pb::CreateBookRequest create;
    create.set_shelf(2);
    create.mutable_book()->set_title(title);
    messages.push_back(create.SerializeAsString());
  }
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  channel_->Stream({.method = BookstoreMethod("CreateBooks"),
                    .messages = std::move(messages),
                    .deadline = absl::Now() + absl::Seconds(20)},
                   recorder);
  CallResult result = recorder->Wait();
  EXPECT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(recorder->messages().size(), 1u);
  bookstore_pb::CreateBooksResponse response;
  ASSERT_TRUE(response.ParseFromString(recorder->messages()[0]));
  EXPECT_EQ(response.books_size(), 2);
}

TEST_F(H2StreamTest, DeadlineEndsARunningStream) {
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/false);
  StreamRequest request = StreamBooks(100000);
  request.deadline = absl::Now() + absl::Milliseconds(300);
  channel_->Stream(std::move(request), recorder);
  CallResult result = recorder->Wait();
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << result.status;
}

TEST_F(H2StreamTest, RequestOverTheSendLimitIsRejectedInline) {
  auto channel =
      MakeChannel(server_->address(), {.max_send_message_bytes = 10});
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  StreamRequest request = StreamBooks(1);
  request.messages[0] = std::string(11, 'x');
  channel->Stream(std::move(request), recorder);
  EXPECT_EQ(recorder->Wait().status.code(),
            absl::StatusCode::kResourceExhausted);
}

// A stream the backend refused unprocessed (above its GOAWAY's last
// stream) is sent again on a new connection, its request message included.
TEST(H2StreamRetryTest, StreamAboveGoawaysLastStreamIsRetried) {
  auto server =
      RawH2Server::Start(RawH2Response{.message = "answer",
                                       .trailers = {{"grpc-status", "0"}},
                                       .faulty_connections = 1,
                                       .refuse_with_goaway_after = 1});
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = MakeChannel((*server)->address());
  StreamOutcome first = StreamAndWait(*channel, StreamBooks(1));
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  StreamOutcome retried = StreamAndWait(*channel, StreamBooks(1));
  ASSERT_TRUE(retried.result.status.ok()) << retried.result.status;
  EXPECT_EQ(retried.messages, std::vector<std::string>{"answer"});
  EXPECT_EQ((*server)->connections(), 2);
  EXPECT_EQ((*server)->requests(), 3);  // First, refused, its retry.
}

// A backend answering one 64 MiB message, against the 16 MiB limit.
std::unique_ptr<RawH2Server> HugeMessageBackend() {
  auto server = RawH2Server::Start(
      RawH2Response{.huge_message_bytes = 64u * 1024 * 1024});
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

void ExpectRefusedOnTheFrameHeader(const CallResult& result,
                                   const RawH2Server& backend) {
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal) << result.status;
  EXPECT_TRUE(result.malformed_response);
  EXPECT_EQ(result.status.message(),
            "upstream response of 67108864 bytes exceeds the receive limit of "
            "16777216 bytes");
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (backend.resets() == 0 && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(backend.resets(), 1) << "the stream was not reset";
  // The client acknowledged no more than its first window: the backend
  // could not send the message, so the client never held it.
  EXPECT_LT(backend.huge_bytes_sent(), 1024 * 1024);
}

TEST(H2HugeMessageTest, StreamMessageOverTheLimitIsRefusedOnItsHeader) {
  auto backend = HugeMessageBackend();
  ASSERT_NE(backend, nullptr);
  auto channel = MakeChannel(backend->address());
  auto recorder = std::make_shared<Recorder>(/*auto_read=*/true);
  channel->Stream(StreamBooks(1), recorder);
  ExpectRefusedOnTheFrameHeader(recorder->Wait(), *backend);
  EXPECT_TRUE(recorder->messages().empty());
}

TEST(H2HugeMessageTest, UnaryResponseOverTheLimitIsRefusedOnItsHeader) {
  auto backend = HugeMessageBackend();
  ASSERT_NE(backend, nullptr);
  auto channel = MakeChannel(backend->address());
  CallResult result =
      CallAndWait(*channel, {.method = BookstoreMethod("GetBook"),
                             .deadline = absl::Now() + absl::Seconds(20)});
  ExpectRefusedOnTheFrameHeader(result, *backend);
}

}  // namespace
}  // namespace protogate::upstream::testing
