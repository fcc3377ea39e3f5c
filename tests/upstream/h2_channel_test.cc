// H2Channel (h2_channel.h) against real gRPC servers on 127.0.0.1:0:
// loop affinity, concurrency, deadlines, cancellation, metadata, flow
// control and limits, reconnects and backoff, GOAWAY, and the shutdown of
// the event loops that hold its connections; and against RawH2Server for
// what a gRPC server cannot be made to do: unanswered keepalive pings,
// refusing GOAWAYs, RST_STREAM codes, Trailers-Only answers, connections
// cut mid-call. Plus a connect that hangs (connect_timeout).
#include "gateway/upstream/h2_channel.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/base/io_thread.h"
#include "gateway/http/server.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "google/rpc/status.pb.h"
#include "grpc/grpc.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "gtest/gtest.h"
#include "tests/testing/grpc/raw_h2_server.h"
#include "tests/testing/http_client.h"
#include "tests/upstream/upstream_test_util.h"

namespace protogate::upstream::testing {
namespace {

namespace asio = boost::asio;
using ::protogate::testing::RawH2Response;
using ::protogate::testing::RawH2Server;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kEcho[] = "/test.Test/Echo";  // Answers the request bytes.
constexpr char kBig[] = "/test.Test/Big";    // Answers N bytes (N: request).
constexpr char kFail[] = "/test.Test/Fail";  // NOT_FOUND with details.
constexpr char kHang[] = "/test.Test/Hang";  // Answers only CANCELLED.

// Binary metadata with every awkward byte.
const std::string& RawBytes() {
  static const std::string* const raw =
      new std::string("\0\x01\x7f\x80\xfe\xff binary\r\n", 14);
  return *raw;
}

const char kFailMessage[] = "caf\xC3\xA9 \xE2\x9C\x93 100% \"x\"\n\ttab";

std::string FailDetails() {
  google::rpc::Status details;
  details.set_code(5);
  details.set_message("shelf 7 not found");
  return details.SerializeAsString();
}

// N bytes of a pattern that shows reordered or lost chunks.
std::string Pattern(size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>('a' + (i * 7 + i / 65536) % 26);
  }
  return out;
}

struct ReceivedCall {
  std::string method;
  std::multimap<std::string, std::string> metadata;
  size_t payload_size = 0;
  absl::Time deadline;
  std::string peer;
};

// A gRPC server answering the methods above, recording every call (with
// its deadline and peer, i.e. the connection) and counting the calls it
// saw cancelled. Can be restarted on its port.
class TestBackend {
 public:
  // Port 0 picks one. Returns nullptr (and fails the test) on error.
  // `max_streams` > 0: the server's SETTINGS_MAX_CONCURRENT_STREAMS.
  static std::unique_ptr<TestBackend> Start(int port = 0, int max_streams = 0) {
    // Keeps gRPC initialized for the rest of the process: when the last
    // gRPC object of the process goes, grpc_shutdown's clean-up sometimes
    // waits ~10 s (after large responses), which would only slow tests.
    static const bool initialized = (grpc_init(), true);
    (void)initialized;
    auto backend = std::unique_ptr<TestBackend>(new TestBackend());
    backend->max_streams_ = max_streams;
    if (!backend->Listen(port)) return nullptr;
    return backend;
  }
  ~TestBackend() { Stop(); }

  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }
  int port() const { return port_; }

  // Stops serving; running calls are cancelled. Idempotent.
  void Stop() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
  // Serves again on the same port.
  bool Restart() {
    Stop();
    return Listen(port_);
  }

  int calls() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(received_.size());
  }
  int cancellations() const { return cancellations_.load(); }
  std::vector<ReceivedCall> received() const {
    absl::MutexLock lock(&mu_);
    return received_;
  }
  std::set<std::string> peers() const {
    std::set<std::string> peers;
    for (const ReceivedCall& call : received()) peers.insert(call.peer);
    return peers;
  }

 private:
  class Reactor;
  class Service final : public grpc::CallbackGenericService {
   public:
    explicit Service(TestBackend* backend) : backend_(backend) {}
    grpc::ServerGenericBidiReactor* CreateReactor(
        grpc::GenericCallbackServerContext* context) override;

   private:
    TestBackend* backend_;
  };

  TestBackend() = default;

  bool Listen(int port) {
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port),
                             grpc::InsecureServerCredentials(), &bound);
    builder.SetMaxReceiveMessageSize(64 << 20);
    builder.SetMaxSendMessageSize(64 << 20);
    if (max_streams_ > 0) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, max_streams_);
    }
    // A callback service can be registered with one server only.
    service_ = std::make_unique<Service>(this);
    builder.RegisterCallbackGenericService(service_.get());
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || bound == 0) {
      ADD_FAILURE() << "cannot start a test backend on port " << port;
      return false;
    }
    port_ = bound;
    return true;
  }

  int max_streams_ = 0;

  void Record(ReceivedCall call) {
    absl::MutexLock lock(&mu_);
    received_.push_back(std::move(call));
  }

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  mutable absl::Mutex mu_;
  std::vector<ReceivedCall> received_ ABSL_GUARDED_BY(mu_);
  std::atomic<int> cancellations_{0};
};

class TestBackend::Reactor final : public grpc::ServerGenericBidiReactor {
 public:
  Reactor(TestBackend* backend, grpc::GenericCallbackServerContext* context)
      : backend_(backend), context_(context) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      End(grpc::Status(grpc::StatusCode::CANCELLED, "no request"));
      return;
    }
    std::vector<grpc::Slice> slices;
    (void)request_.Dump(&slices);
    std::string payload;
    for (const grpc::Slice& s : slices) {
      payload.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    ReceivedCall call{.method = context_->method(),
                      .payload_size = payload.size(),
                      .deadline = absl::FromChrono(context_->deadline()),
                      .peer = context_->peer()};
    for (const auto& [key, value] : context_->client_metadata()) {
      call.metadata.emplace(std::string(key.data(), key.size()),
                            std::string(value.data(), value.size()));
    }
    const std::string method = call.method;
    backend_->Record(std::move(call));
    if (method == kHang) {
      hanging_.store(true);
      if (cancelled_.load()) End(grpc::Status::CANCELLED);
      return;
    }
    if (method == kFail) {
      context_->AddTrailingMetadata("x-trail", "t");
      End(grpc::Status(grpc::StatusCode::NOT_FOUND, kFailMessage,
                       FailDetails()));
      return;
    }
    if (method == kBig) {
      size_t n = 0;
      if (!absl::SimpleAtoi(payload, &n)) {
        End(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "size"));
        return;
      }
      payload = Pattern(n);
    } else if (method != kEcho) {
      End(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, method));
      return;
    }
    context_->AddInitialMetadata("x-init", "i");
    context_->AddInitialMetadata("x-init-bin", RawBytes());
    context_->AddTrailingMetadata("x-trail", "t");
    context_->AddTrailingMetadata("x-trail-bin", RawBytes());
    if (finished_.exchange(true)) return;
    grpc::Slice slice(payload);
    response_ = grpc::ByteBuffer(&slice, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }

  void OnCancel() override {
    cancelled_.store(true);
    backend_->cancellations_.fetch_add(1);
    End(grpc::Status::CANCELLED);
  }

  void OnDone() override { delete this; }

 private:
  void End(const grpc::Status& status) {
    if (finished_.exchange(true)) return;
    Finish(status);
  }

  TestBackend* backend_;
  grpc::GenericCallbackServerContext* context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::atomic<bool> finished_{false};
  std::atomic<bool> hanging_{false};
  std::atomic<bool> cancelled_{false};
};

grpc::ServerGenericBidiReactor* TestBackend::Service::CreateReactor(
    grpc::GenericCallbackServerContext* context) {
  return new Reactor(backend_, context);
}

// An event loop thread registered as such (base::ScopedIoThread), as the
// HTTP server's I/O threads are.
class TestLoop {
 public:
  TestLoop()
      : ioc_(std::make_shared<asio::io_context>(1)),
        guard_(asio::make_work_guard(*ioc_)) {
    thread_ = std::thread([this] {
      const base::ScopedIoThread registration(ioc_.get(), ioc_);
      ioc_->run();
      ended_.Notify();
    });
  }
  ~TestLoop() { EXPECT_TRUE(Stop()) << "the loop did not end when drained"; }

  std::thread::id thread_id() const { return thread_.get_id(); }

  template <typename F>
  void Post(F f) {
    asio::post(*ioc_, std::move(f));
  }

  // Drains the loop's residents (as the HTTP server does at shutdown) and
  // lets the loop end. False when it had not ended within `wait` (it is
  // then stopped).
  bool Stop(absl::Duration wait = absl::Seconds(10)) {
    if (!thread_.joinable()) return true;
    Post([] { base::DrainIoThreadResidents(); });
    guard_.reset();
    const bool ended = ended_.WaitForNotificationWithTimeout(wait);
    if (!ended) ioc_->stop();
    thread_.join();
    return ended;
  }

 private:
  std::shared_ptr<asio::io_context> ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  absl::Notification ended_;
  std::thread thread_;
};

// What a call gave, and on which thread its callback ran.
struct Outcome {
  CallResult result;
  std::thread::id thread;
  bool ran = false;  // The callback ran within the wait.
};

struct SharedOutcome {
  absl::Mutex mu;
  Outcome outcome ABSL_GUARDED_BY(mu);
  absl::Notification done;
};

CallCallback Record(std::shared_ptr<SharedOutcome> shared) {
  return [shared](CallResult result) {
    {
      absl::MutexLock lock(&shared->mu);
      shared->outcome.result = std::move(result);
      shared->outcome.thread = std::this_thread::get_id();
      shared->outcome.ran = true;
    }
    shared->done.Notify();
  };
}

Outcome Wait(SharedOutcome& shared, absl::Duration wait) {
  if (!shared.done.WaitForNotificationWithTimeout(wait)) {
    Outcome timed_out;
    timed_out.result.status = absl::UnknownError("test: callback did not run");
    return timed_out;
  }
  absl::MutexLock lock(&shared.mu);
  return std::move(shared.outcome);
}

// Starts `request` on `loop`'s thread (on this thread when null) and waits
// up to `wait` for the callback.
Outcome RunCall(Channel& channel, CallRequest request, TestLoop* loop = nullptr,
                absl::Duration wait = absl::Seconds(20)) {
  auto shared = std::make_shared<SharedOutcome>();
  if (loop == nullptr) {
    channel.Call(std::move(request), Record(shared));
  } else {
    loop->Post([&channel, request = std::move(request), shared]() mutable {
      channel.Call(std::move(request), Record(shared));
    });
  }
  return Wait(*shared, wait);
}

CallRequest Echo(std::string payload,
                 absl::Duration timeout = absl::Seconds(10)) {
  return {.method = kEcho,
          .payload = std::move(payload),
          .deadline = absl::Now() + timeout};
}

std::unique_ptr<H2Channel> MakeChannel(const std::string& address,
                                       H2ChannelOptions options = {}) {
  std::optional<H2Endpoint> endpoint = ParseH2Endpoint(address);
  EXPECT_TRUE(endpoint.has_value()) << address;
  options.endpoint = endpoint.value_or(H2Endpoint{});
  return std::make_unique<H2Channel>(std::move(options));
}

// Polls `condition` every 10 ms for at most `limit`.
template <typename F>
bool PollUntil(F condition, absl::Duration limit = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + limit;
  for (int i = 0; i < 100000; ++i) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

class H2ChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_ = TestBackend::Start();
    ASSERT_NE(backend_, nullptr);
  }
  std::unique_ptr<TestBackend> backend_;
};

// --- Loop affinity ---

TEST_F(H2ChannelTest, CallOnARegisteredLoopCompletesOnThatLoop) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  for (int i = 0; i < 3; ++i) {
    Outcome out = RunCall(*channel, Echo(absl::StrCat("hello ", i)), &loop);
    ASSERT_TRUE(out.result.status.ok()) << out.result.status;
    EXPECT_EQ(out.result.payload, absl::StrCat("hello ", i));
    EXPECT_EQ(out.thread, loop.thread_id());
  }
  // One connection for the loop, reused.
  EXPECT_EQ(backend_->peers().size(), 1u);
}

TEST_F(H2ChannelTest, CallFromAPlainThreadCompletesOnTheFallbackLoop) {
  auto channel = MakeChannel(backend_->address());
  Outcome first = RunCall(*channel, Echo("a"));
  Outcome second = RunCall(*channel, Echo("b"));
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  ASSERT_TRUE(second.result.status.ok()) << second.result.status;
  EXPECT_EQ(first.result.payload, "a");
  EXPECT_NE(first.thread, std::this_thread::get_id());
  EXPECT_EQ(first.thread, second.thread);  // The one fallback loop.
  EXPECT_EQ(backend_->peers().size(), 1u);
}

TEST_F(H2ChannelTest, EachLoopHasItsOwnConnection) {
  TestLoop a;
  TestLoop b;
  auto channel = MakeChannel(backend_->address());
  Outcome on_a = RunCall(*channel, Echo("a"), &a);
  Outcome on_b = RunCall(*channel, Echo("b"), &b);
  ASSERT_TRUE(on_a.result.status.ok()) << on_a.result.status;
  ASSERT_TRUE(on_b.result.status.ok()) << on_b.result.status;
  EXPECT_EQ(on_a.thread, a.thread_id());
  EXPECT_EQ(on_b.thread, b.thread_id());
  EXPECT_EQ(backend_->peers().size(), 2u);
}

TEST_F(H2ChannelTest, ManyConcurrentCallsOnOneLoopAllSucceed) {
  constexpr int kCalls = 200;
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  struct State {
    absl::Mutex mu;
    int done ABSL_GUARDED_BY(mu) = 0;
    std::vector<std::string> failures ABSL_GUARDED_BY(mu);
    absl::Notification all_done;
  };
  auto state = std::make_shared<State>();
  const std::thread::id loop_thread = loop.thread_id();
  // All started in one turn of the loop, so they share one write batch.
  loop.Post([&channel, state, loop_thread] {
    for (int i = 0; i < kCalls; ++i) {
      std::string payload = absl::StrCat("call ", i);
      channel->Call(
          Echo(payload), [state, payload, loop_thread](CallResult result) {
            absl::MutexLock lock(&state->mu);
            if (!result.status.ok() || result.payload != payload ||
                std::this_thread::get_id() != loop_thread) {
              state->failures.push_back(
                  absl::StrCat(payload, ": ", result.status.ToString(), " \"",
                               result.payload, "\""));
            }
            if (++state->done == kCalls) state->all_done.Notify();
          });
    }
  });
  ASSERT_TRUE(
      state->all_done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::MutexLock lock(&state->mu);
  EXPECT_THAT(state->failures, ::testing::IsEmpty());
  EXPECT_EQ(backend_->calls(), kCalls);
  EXPECT_EQ(backend_->peers().size(), 1u);
}

// --- Deadlines ---

TEST_F(H2ChannelTest, DeadlineExceededPromptlyAndTheBackendSeesIt) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + absl::Milliseconds(300);
  Outcome out = RunCall(*channel, {.method = kHang, .deadline = deadline},
                        &loop, absl::Seconds(10));
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << out.result.status;
  EXPECT_EQ(out.thread, loop.thread_id());
  EXPECT_GE(elapsed, absl::Milliseconds(290));
  EXPECT_LT(elapsed, absl::Seconds(2));
  std::vector<ReceivedCall> received = backend_->received();
  ASSERT_EQ(received.size(), 1u);
  // grpc-timeout is rounded up, and the backend starts its clock later.
  EXPECT_GE(received[0].deadline, deadline - absl::Milliseconds(5));
  EXPECT_LT(received[0].deadline, deadline + absl::Milliseconds(500));
  EXPECT_TRUE(PollUntil([&] { return backend_->cancellations() == 1; }));
}

TEST_F(H2ChannelTest, DefaultTimeoutAppliesToACallWithoutADeadline) {
  auto channel = MakeChannel(backend_->address(),
                             {.default_timeout = absl::Milliseconds(400)});
  const absl::Time start = absl::Now();
  Outcome out =
      RunCall(*channel, {.method = kHang}, nullptr, absl::Seconds(10));
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << out.result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  std::vector<ReceivedCall> received = backend_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_GE(received[0].deadline, start + absl::Milliseconds(395));
  EXPECT_LT(received[0].deadline, start + absl::Milliseconds(1000));
}

TEST_F(H2ChannelTest, DeadlineInThePastFailsWithoutSending) {
  auto channel = MakeChannel(backend_->address());
  Outcome out = RunCall(*channel, {.method = kEcho,
                                   .payload = "x",
                                   .deadline = absl::Now() - absl::Seconds(1)});
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << out.result.status;
  EXPECT_EQ(backend_->calls(), 0);
}

// --- Cancellation ---

TEST_F(H2ChannelTest, CancelledBeforeStartCompletesInline) {
  auto channel = MakeChannel(backend_->address());
  auto canceller = std::make_shared<CallCanceller>();
  canceller->Cancel();
  bool ran = false;
  absl::Status status;
  CallRequest request = Echo("x");
  request.canceller = canceller;
  channel->Call(std::move(request), [&](CallResult result) {
    ran = true;
    status = result.status;
  });
  EXPECT_TRUE(ran);  // Before Call() returned.
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(backend_->calls(), 0);
}

TEST_F(H2ChannelTest, CancelInFlightEndsTheCallAndTheBackendSeesIt) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  auto canceller = std::make_shared<CallCanceller>();
  auto shared = std::make_shared<SharedOutcome>();
  loop.Post([&channel, canceller, shared] {
    channel->Call({.method = kHang,
                   .deadline = absl::Now() + absl::Seconds(20),
                   .canceller = canceller},
                  Record(shared));
  });
  ASSERT_TRUE(PollUntil([&] { return backend_->calls() == 1; }));
  const absl::Time start = absl::Now();
  canceller->Cancel();
  Outcome out = Wait(*shared, absl::Seconds(10));
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kCancelled)
      << out.result.status;
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(out.thread, loop.thread_id());
  EXPECT_TRUE(PollUntil([&] { return backend_->cancellations() == 1; }));
  // The stream was reset, not the connection.
  Outcome next = RunCall(*channel, Echo("after"), &loop);
  EXPECT_TRUE(next.result.status.ok()) << next.result.status;
  EXPECT_EQ(backend_->peers().size(), 1u);
}

// Beyond the backend's SETTINGS_MAX_CONCURRENT_STREAMS nghttp2 queues new
// requests. One that reaches its deadline while queued ends with
// DEADLINE_EXCEEDED without costing the connection: the next calls still
// go over it once a stream is free.
TEST(H2ChannelStreamsTest, DeadlineWhileQueuedBehindTheStreamLimit) {
  auto backend = TestBackend::Start(0, /*max_streams=*/1);
  ASSERT_NE(backend, nullptr);
  TestLoop loop;
  auto channel = MakeChannel(backend->address());
  // A first call, so the backend's SETTINGS (limit 1) have arrived.
  ASSERT_TRUE(RunCall(*channel, Echo("first"), &loop).result.status.ok());
  auto canceller = std::make_shared<CallCanceller>();
  auto hanging = std::make_shared<SharedOutcome>();
  auto queued = std::make_shared<SharedOutcome>();
  loop.Post([&channel, canceller, hanging, queued] {
    channel->Call({.method = kHang,
                   .deadline = absl::Now() + absl::Seconds(20),
                   .canceller = canceller},
                  Record(hanging));
    channel->Call({.method = kEcho,
                   .payload = "queued",
                   .deadline = absl::Now() + absl::Milliseconds(300)},
                  Record(queued));
  });
  Outcome late = Wait(*queued, absl::Seconds(10));
  EXPECT_EQ(late.result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << late.result.status;
  EXPECT_EQ(backend->calls(), 2) << "the queued call reached the backend";
  canceller->Cancel();
  EXPECT_EQ(Wait(*hanging, absl::Seconds(10)).result.status.code(),
            absl::StatusCode::kCancelled);
  Outcome next = RunCall(*channel, Echo("next"), &loop);
  ASSERT_TRUE(next.result.status.ok()) << next.result.status;
  EXPECT_EQ(next.result.payload, "next");
  EXPECT_EQ(backend->peers().size(), 1u) << "a new connection was opened";
}

TEST_F(H2ChannelTest, OneCancellerCancelsEveryCallStartedWithIt) {
  auto channel = MakeChannel(backend_->address());
  auto canceller = std::make_shared<CallCanceller>();
  auto first = std::make_shared<SharedOutcome>();
  auto second = std::make_shared<SharedOutcome>();
  auto other = std::make_shared<SharedOutcome>();
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  channel->Call({.method = kHang, .deadline = deadline, .canceller = canceller},
                Record(first));
  channel->Call({.method = kHang, .deadline = deadline, .canceller = canceller},
                Record(second));
  channel->Call({.method = kHang, .deadline = absl::Now() + absl::Seconds(1)},
                Record(other));
  ASSERT_TRUE(PollUntil([&] { return backend_->calls() == 3; }));
  canceller->Cancel();
  EXPECT_EQ(Wait(*first, absl::Seconds(5)).result.status.code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(Wait(*second, absl::Seconds(5)).result.status.code(),
            absl::StatusCode::kCancelled);
  EXPECT_FALSE(other->done.HasBeenNotified());
  EXPECT_EQ(Wait(*other, absl::Seconds(10)).result.status.code(),
            absl::StatusCode::kDeadlineExceeded);
}

// --- Metadata and status ---

TEST_F(H2ChannelTest, MetadataBothWaysIncludingBinary) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  CallRequest request = Echo("m");
  request.metadata = {{"x-plain", "hello world"}, {"x-raw-bin", RawBytes()}};
  Outcome out = RunCall(*channel, std::move(request), &loop);
  ASSERT_TRUE(out.result.status.ok()) << out.result.status;

  std::vector<ReceivedCall> received = backend_->received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_THAT(received[0].metadata, Contains(Pair("x-plain", "hello world")));
  EXPECT_THAT(received[0].metadata, Contains(Pair("x-raw-bin", RawBytes())));

  EXPECT_THAT(out.result.headers, Contains(Pair("x-init", "i")));
  EXPECT_THAT(out.result.headers, Contains(Pair("x-init-bin", RawBytes())));
  EXPECT_THAT(out.result.trailers, Contains(Pair("x-trail", "t")));
  EXPECT_THAT(out.result.trailers, Contains(Pair("x-trail-bin", RawBytes())));
  for (const Metadata* md : {&out.result.headers, &out.result.trailers}) {
    for (const auto& [key, value] : *md) {
      EXPECT_FALSE(key.starts_with("grpc-status")) << key;
      EXPECT_FALSE(key.starts_with(":")) << key;
      EXPECT_NE(key, "content-type");
      EXPECT_NE(key, "grpc-message");
    }
  }
}

// A traceparent carried beside the metadata is sent as the header, once,
// with each call's own value; a call without one sends none.
TEST_F(H2ChannelTest, TraceparentBesideTheMetadataIsSentAsTheHeader) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  constexpr int kCalls = 3;
  for (int i = 0; i <= kCalls; ++i) {
    CallRequest request = Echo("m");
    request.metadata = {{"tracestate", "vendor=1"}};
    if (i < kCalls) {
      const std::string value = absl::StrCat(
          "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333", i, "-01");
      ASSERT_EQ(value.size(), Traceparent::kSize);
      std::copy(value.begin(), value.end(), request.traceparent.text.begin());
    }
    Outcome out = RunCall(*channel, std::move(request), &loop);
    ASSERT_TRUE(out.result.status.ok()) << out.result.status;
  }
  std::vector<ReceivedCall> received = backend_->received();
  ASSERT_EQ(received.size(), static_cast<size_t>(kCalls + 1));
  for (int i = 0; i < kCalls; ++i) {
    const auto& md = received[static_cast<size_t>(i)].metadata;
    EXPECT_THAT(md, Contains(Pair("traceparent",
                                  absl::StrCat("00-0af7651916cd43dd8448eb211c8"
                                               "0319c-b7ad6b716920333",
                                               i, "-01"))));
    EXPECT_EQ(md.count("traceparent"), 1u);
    EXPECT_THAT(md, Contains(Pair("tracestate", "vendor=1")));
  }
  EXPECT_EQ(received[kCalls].metadata.count("traceparent"), 0u);
}

// The per-call headers go never indexed except the first of each on a
// connection, whose name the later ones then refer to by HPACK index: a
// real gRPC server decodes every call's own values.
TEST_F(H2ChannelTest, PerCallHeadersKeepTheirValuesOnOneConnection) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  constexpr int kCalls = 4;
  for (int i = 0; i < kCalls; ++i) {
    CallRequest request = Echo("m");
    request.metadata = {
        {"x-request-id", absl::StrCat("request-", i)},
        {"traceparent",
         absl::StrCat("00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333", i,
                      "-01")},
        {"tracestate", absl::StrCat("vendor=", i)},
        {"x-plain", "same"}};
    Outcome out = RunCall(*channel, std::move(request), &loop);
    ASSERT_TRUE(out.result.status.ok()) << out.result.status;
  }
  std::vector<ReceivedCall> received = backend_->received();
  ASSERT_EQ(received.size(), static_cast<size_t>(kCalls));
  for (int i = 0; i < kCalls; ++i) {
    const auto& md = received[static_cast<size_t>(i)].metadata;
    EXPECT_THAT(md,
                Contains(Pair("x-request-id", absl::StrCat("request-", i))));
    EXPECT_THAT(md, Contains(Pair("traceparent",
                                  absl::StrCat("00-0af7651916cd43dd8448eb211c8"
                                               "0319c-b7ad6b716920333",
                                               i, "-01"))));
    EXPECT_THAT(md, Contains(Pair("tracestate", absl::StrCat("vendor=", i))));
    EXPECT_THAT(md, Contains(Pair("x-plain", "same")));
    EXPECT_EQ(md.count("x-request-id"), 1u);
    EXPECT_EQ(md.count("traceparent"), 1u);
  }
  EXPECT_EQ(backend_->peers().size(), 1u);  // All on one connection.
}

TEST_F(H2ChannelTest, ErrorStatusWithNonAsciiMessageAndDetailsIsIntact) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  Outcome out = RunCall(*channel,
                        {.method = kFail,
                         .payload = "x",
                         .deadline = absl::Now() + absl::Seconds(10)},
                        &loop);
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(out.result.status.message(), kFailMessage);
  EXPECT_FALSE(out.result.malformed_response);
  EXPECT_EQ(out.result.status_details, FailDetails());
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(out.result.status_details));
  EXPECT_EQ(details.message(), "shelf 7 not found");
  EXPECT_THAT(out.result.trailers, Contains(Pair("x-trail", "t")));
}

TEST_F(H2ChannelTest, UnknownMethodIsTheBackendsUnimplemented) {
  auto channel = MakeChannel(backend_->address());
  Outcome out =
      RunCall(*channel, {.method = "/test.Test/Nope",
                         .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kUnimplemented);
  EXPECT_FALSE(out.result.malformed_response);
}

// --- Sizes and flow control ---

TEST_F(H2ChannelTest, LargeRequestAndLargeResponseSucceed) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  const std::string request = Pattern(3 << 20);
  Outcome echoed = RunCall(*channel, Echo(request), &loop);
  ASSERT_TRUE(echoed.result.status.ok()) << echoed.result.status;
  EXPECT_TRUE(echoed.result.payload == request)
      << "echo of " << echoed.result.payload.size() << " bytes differs";

  // Over the 8 MiB stream window: needs WINDOW_UPDATEs.
  Outcome big = RunCall(*channel,
                        {.method = kBig,
                         .payload = absl::StrCat(12 << 20),
                         .deadline = absl::Now() + absl::Seconds(20)},
                        &loop);
  ASSERT_TRUE(big.result.status.ok()) << big.result.status;
  EXPECT_EQ(big.result.payload.size(), size_t{12 << 20});
  EXPECT_TRUE(big.result.payload == Pattern(12 << 20));

  // Two big responses at once on the one connection (shared window).
  auto a = std::make_shared<SharedOutcome>();
  auto b = std::make_shared<SharedOutcome>();
  loop.Post([&channel, a, b] {
    for (const auto& shared : {a, b}) {
      channel->Call({.method = kBig,
                     .payload = absl::StrCat(10 << 20),
                     .deadline = absl::Now() + absl::Seconds(20)},
                    Record(shared));
    }
  });
  for (const auto& shared : {a, b}) {
    Outcome out = Wait(*shared, absl::Seconds(30));
    ASSERT_TRUE(out.result.status.ok()) << out.result.status;
    EXPECT_EQ(out.result.payload.size(), size_t{10 << 20});
  }
  EXPECT_EQ(backend_->peers().size(), 1u);
}

TEST_F(H2ChannelTest, ResponseOverTheReceiveLimitIsMalformed) {
  TestLoop loop;
  auto channel =
      MakeChannel(backend_->address(), {.max_receive_message_bytes = 1 << 20});
  Outcome out = RunCall(*channel,
                        {.method = kBig,
                         .payload = absl::StrCat(2 << 20),
                         .deadline = absl::Now() + absl::Seconds(10)},
                        &loop);
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(out.result.malformed_response);
  EXPECT_EQ(out.result.status.message(),
            "upstream response of 2097152 bytes exceeds the receive limit of "
            "1048576 bytes");
  EXPECT_TRUE(out.result.payload.empty());
  // Exactly at the limit is fine, on the same connection.
  Outcome at_limit = RunCall(*channel,
                             {.method = kBig,
                              .payload = absl::StrCat(1 << 20),
                              .deadline = absl::Now() + absl::Seconds(10)},
                             &loop);
  EXPECT_TRUE(at_limit.result.status.ok()) << at_limit.result.status;
  EXPECT_EQ(at_limit.result.payload.size(), size_t{1 << 20});
  EXPECT_EQ(backend_->peers().size(), 1u);
}

TEST_F(H2ChannelTest, RequestOverTheSendLimitIsRejectedInline) {
  auto channel =
      MakeChannel(backend_->address(), {.max_send_message_bytes = 1024});
  bool ran = false;
  absl::Status status;
  channel->Call(Echo(std::string(1025, 'x')), [&](CallResult result) {
    ran = true;
    status = result.status;
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "request message of 1025 bytes exceeds the upstream send limit of "
            "1024 bytes");
  EXPECT_EQ(backend_->calls(), 0);
}

TEST_F(H2ChannelTest, BadMetadataIsRejectedInline) {
  auto channel = MakeChannel(backend_->address());
  bool ran = false;
  absl::Status status;
  CallRequest request = Echo("x");
  request.metadata = {{"Bad Key", "v"}};
  channel->Call(std::move(request), [&](CallResult result) {
    ran = true;
    status = result.status;
  });
  EXPECT_TRUE(ran);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(backend_->calls(), 0);
}

// --- Connection failures ---

TEST(H2ChannelFailureTest, RefusedConnectionIsUnavailableNamingTheEndpoint) {
  RefusingPort port;
  const std::string address = absl::StrCat("127.0.0.1:", port.port());
  auto channel = MakeChannel(address);
  EXPECT_FALSE(channel->failing());
  Outcome out = RunCall(*channel, Echo("x"));
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(out.result.status.message()),
              HasSubstr("cannot connect to upstream " + address));
  EXPECT_TRUE(channel->failing());
  // During the backoff: at once, with the same error.
  const absl::Time start = absl::Now();
  Outcome again = RunCall(*channel, Echo("x"));
  EXPECT_EQ(again.result.status, out.result.status);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

TEST(H2ChannelFailureTest, BackendThatNeverAnswersHitsTheDeadline) {
  // Listening, so the TCP connect succeeds, but never accepted or read.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  {
    auto channel =
        MakeChannel(absl::StrCat("127.0.0.1:", ntohs(addr.sin_port)));
    const absl::Time start = absl::Now();
    Outcome out = RunCall(*channel, Echo("x", absl::Milliseconds(300)));
    EXPECT_EQ(out.result.status.code(), absl::StatusCode::kDeadlineExceeded)
        << out.result.status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    EXPECT_FALSE(channel->failing());
  }
  ::close(fd);
}

TEST_F(H2ChannelTest, BackendRestartFailsFastDuringBackoffThenRecovers) {
  TestLoop loop;
  auto channel = MakeChannel(backend_->address());
  Outcome first = RunCall(*channel, Echo("before"), &loop);
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;
  const std::string first_peer = backend_->received().at(0).peer;

  backend_->Stop();
  // The open connection ends; then connecting is refused. Every failure on
  // the way is UNAVAILABLE.
  absl::Time failed_at;
  std::string connect_error;
  for (int i = 0; i < 50 && !channel->failing(); ++i) {
    Outcome out = RunCall(*channel, Echo("during"), &loop);
    failed_at = absl::Now();
    ASSERT_EQ(out.result.status.code(), absl::StatusCode::kUnavailable)
        << out.result.status;
    connect_error = std::string(out.result.status.message());
    if (!channel->failing()) absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(channel->failing());
  EXPECT_THAT(connect_error,
              HasSubstr("cannot connect to upstream " + backend_->address()));

  ASSERT_TRUE(backend_->Restart());
  // Still backing off (1 s after the first failure): fails fast although
  // the backend is back. Checked only when the restart was quick.
  if (absl::Now() - failed_at < absl::Milliseconds(700)) {
    Outcome backing_off = RunCall(*channel, Echo("backing off"), &loop);
    EXPECT_EQ(backing_off.result.status.code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(backing_off.result.status.message(), connect_error);
  }
  // After the backoff: a new connection.
  Outcome recovered;
  ASSERT_TRUE(PollUntil(
      [&] {
        recovered = RunCall(*channel, Echo("after"), &loop);
        return recovered.result.status.ok();
      },
      absl::Seconds(10)))
      << recovered.result.status;
  EXPECT_GE(absl::Now() - failed_at, absl::Milliseconds(900));
  EXPECT_EQ(recovered.result.payload, "after");
  EXPECT_FALSE(channel->failing());
  const std::string new_peer = backend_->received().back().peer;
  EXPECT_NE(new_peer, first_peer);
}

// --- GOAWAY, teardown and shutdown ---

RawH2Response ValidRawResponse(bool goaway) {
  return {.message = "answer",
          .trailers = {{"grpc-status", "0"}},
          .goaway_before_response = goaway};
}

TEST(H2ChannelRawTest, AfterGoawayTheNextCallUsesANewConnection) {
  auto server = RawH2Server::Start(ValidRawResponse(/*goaway=*/true));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel((*server)->address());
  for (int i = 0; i < 3; ++i) {
    Outcome out = RunCall(*channel, Echo("x"), &loop);
    ASSERT_TRUE(out.result.status.ok()) << i << ": " << out.result.status;
    EXPECT_EQ(out.result.payload, "answer");
  }
  EXPECT_EQ((*server)->requests(), 3);
  EXPECT_EQ((*server)->connections(), 3);
  // The client closes each connection once GOAWAY is in and it is idle.
  EXPECT_TRUE(
      PollUntil([&] { return (*server)->connections_closed_by_peer() >= 2; }));
}

TEST(H2ChannelRawTest, DestroyingTheChannelClosesItsConnections) {
  auto server = RawH2Server::Start(ValidRawResponse(/*goaway=*/false));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel((*server)->address());
  ASSERT_TRUE(RunCall(*channel, Echo("x"), &loop).result.status.ok());
  ASSERT_TRUE(RunCall(*channel, Echo("x")).result.status.ok());  // Fallback.
  EXPECT_EQ((*server)->connections(), 2);
  EXPECT_EQ((*server)->connections_closed_by_peer(), 0);
  channel.reset();
  EXPECT_TRUE(
      PollUntil([&] { return (*server)->connections_closed_by_peer() == 2; }));
}

TEST(H2ChannelRawTest, DrainedLoopClosesItsConnectionAndRefusesCalls) {
  auto server = RawH2Server::Start(ValidRawResponse(/*goaway=*/false));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel((*server)->address());
  ASSERT_TRUE(RunCall(*channel, Echo("x"), &loop).result.status.ok());
  loop.Post([] { base::DrainIoThreadResidents(); });
  EXPECT_TRUE(
      PollUntil([&] { return (*server)->connections_closed_by_peer() == 1; }));
  Outcome after = RunCall(*channel, Echo("x"), &loop);
  EXPECT_EQ(after.result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(after.result.status.message(), "the gateway is shutting down");
  EXPECT_EQ((*server)->connections(), 1);
}

TEST_F(H2ChannelTest, ServerShutdownIsNotHeldUpByAnIdleUpstreamConnection) {
  auto channel = MakeChannel(backend_->address());
  std::atomic<int> on_loop{0};
  auto server = http::Server::Start(
      {.io_threads = 1},
      [&channel, &on_loop](const http::Request&, http::Responder responder) {
        const std::thread::id handler_thread = std::this_thread::get_id();
        channel->Call(
            Echo("through"), [responder = std::move(responder), handler_thread,
                              &on_loop](CallResult result) mutable {
              if (std::this_thread::get_id() == handler_thread) ++on_loop;
              responder.Send({.status = result.status.ok() ? 200 : 502,
                              .body = result.payload});
            });
      });
  ASSERT_TRUE(server.ok()) << server.status();
  auto response = protogate::testing::Fetch((*server)->port(), "GET", "/x");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "through");
  EXPECT_EQ(on_loop.load(), 1);  // Answered on the I/O thread.

  // The loop now holds an idle upstream connection.
  const absl::Duration grace = absl::Seconds(5);
  const absl::Time start = absl::Now();
  (*server)->Shutdown(grace);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

// --- Keepalive, connect timeout, resets, teardown by the backend ---

// The port of a RawH2Server's "127.0.0.1:PORT".
std::string PortOf(const RawH2Server& server) {
  const std::string address = server.address();
  return address.substr(address.rfind(':') + 1);
}

RawH2Response TrailersOnly(
    std::vector<std::pair<std::string, std::string>> fields) {
  fields.insert(fields.begin(), {"content-type", "application/grpc"});
  return {.headers = std::move(fields), .send_message = false};
}

// A channel that pings an idle-looking connection every 200 ms and gives
// an unanswered ping 200 ms.
std::unique_ptr<H2Channel> PingingChannel(const std::string& address) {
  return MakeChannel(address, {.keepalive_time = absl::Milliseconds(200),
                               .keepalive_timeout = absl::Milliseconds(200)});
}

TEST(H2ChannelRawTest, UnansweredKeepalivePingFailsTheCallBeforeItsDeadline) {
  RawH2Response response = ValidRawResponse(/*goaway=*/false);
  response.ack_pings = false;
  response.response_delay = absl::InfiniteDuration();
  auto server = RawH2Server::Start(std::move(response));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = PingingChannel((*server)->address());
  const absl::Time start = absl::Now();
  Outcome out = RunCall(*channel, Echo("x", absl::Seconds(10)), &loop);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kUnavailable)
      << out.result.status;
  EXPECT_THAT(std::string(out.result.status.message()),
              HasSubstr("keepalive ping"));
  EXPECT_FALSE(out.result.malformed_response);
  EXPECT_GE(elapsed, absl::Milliseconds(350));  // A ping, then its timeout.
  EXPECT_LT(elapsed, absl::Seconds(3));
  EXPECT_GE((*server)->pings(), 1);
  // The dead connection is closed, not left open.
  EXPECT_TRUE(
      PollUntil([&] { return (*server)->connections_closed_by_peer() == 1; }));
}

TEST(H2ChannelRawTest, AnsweredKeepalivePingsDoNotDisturbALongCall) {
  RawH2Response response = ValidRawResponse(/*goaway=*/false);
  response.response_delay = absl::Milliseconds(1500);
  auto server = RawH2Server::Start(std::move(response));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = PingingChannel((*server)->address());
  const absl::Time start = absl::Now();
  Outcome out = RunCall(*channel, Echo("x", absl::Seconds(10)), &loop);
  ASSERT_TRUE(out.result.status.ok()) << out.result.status;
  EXPECT_EQ(out.result.payload, "answer");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(1450));
  // Keepalive was active, and stopped after two pings without a frame of
  // ours in between (as gRPC does, so stock servers count no strikes).
  EXPECT_EQ((*server)->pings(), 2);
  EXPECT_EQ((*server)->connections(), 1);
  EXPECT_EQ((*server)->connections_closed_by_peer(), 0);
}

// A loopback port where connecting hangs: a listener with backlog 0 that
// never accepts, its accept queue filled first so that the kernel drops
// further SYNs. ok() is false when that does not happen here.
class HangingConnectPort {
 public:
  HangingConnectPort() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (listen_fd_ < 0 ||
        ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 0) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) !=
            0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    // Fill the queue until a connect stays pending.
    for (int i = 0; i < 8 && !hanging_; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) return;
      fds_.push_back(fd);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
        continue;
      }
      if (errno != EINPROGRESS) return;
      pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
      hanging_ = ::poll(&p, 1, /*timeout_ms=*/300) == 0;
    }
  }
  ~HangingConnectPort() {
    for (int fd : fds_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }
  HangingConnectPort(const HangingConnectPort&) = delete;
  HangingConnectPort& operator=(const HangingConnectPort&) = delete;

  bool ok() const { return hanging_; }
  int port() const { return port_; }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
  bool hanging_ = false;
  std::vector<int> fds_;
};

TEST(H2ChannelFailureTest, HangingConnectFailsAtTheConnectTimeout) {
  HangingConnectPort port;
  if (!port.ok()) {
    GTEST_SKIP() << "cannot make a loopback connect hang on this host";
  }
  const std::string address = absl::StrCat("127.0.0.1:", port.port());
  auto channel =
      MakeChannel(address, {.connect_timeout = absl::Milliseconds(300)});
  const absl::Time start = absl::Now();
  Outcome out = RunCall(*channel, Echo("x", absl::Seconds(10)));
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kUnavailable)
      << out.result.status;
  EXPECT_THAT(std::string(out.result.status.message()),
              HasSubstr("cannot connect to upstream " + address));
  EXPECT_THAT(std::string(out.result.status.message()), HasSubstr("timed out"));
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Seconds(3));
  EXPECT_TRUE(channel->failing());
}

// The backend did not process a stream above its GOAWAY's last stream id:
// like gRPC's clients, the channel sends the call again, on a new connection.
TEST(H2ChannelRawTest, StreamAboveGoawaysLastStreamIsRetriedOnANewConnection) {
  RawH2Response response = ValidRawResponse(/*goaway=*/false);
  response.faulty_connections = 1;
  response.refuse_with_goaway_after = 1;  // GOAWAY(last stream 1) on 3.
  auto server = RawH2Server::Start(std::move(response));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel((*server)->address());
  Outcome first = RunCall(*channel, Echo("x"), &loop);
  ASSERT_TRUE(first.result.status.ok()) << first.result.status;

  const absl::Time start = absl::Now();
  Outcome retried = RunCall(*channel, Echo("x", absl::Seconds(10)), &loop);
  ASSERT_TRUE(retried.result.status.ok()) << retried.result.status;
  EXPECT_EQ(retried.result.payload, "answer");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ((*server)->connections(), 2);
  EXPECT_EQ((*server)->requests(), 3);  // First, refused, its retry.

  Outcome next = RunCall(*channel, Echo("x"), &loop);
  ASSERT_TRUE(next.result.status.ok()) << next.result.status;
  EXPECT_EQ((*server)->connections(), 2);
  EXPECT_EQ((*server)->requests(), 4);
  EXPECT_FALSE(channel->failing());
}

// One transparent retry, not more: a backend refusing every stream gets each
// call twice, and the call fails UNAVAILABLE naming the refusal.
TEST(H2ChannelRawTest, RefusedStreamIsRetriedOnceThenUnavailable) {
  RawH2Response response = ValidRawResponse(/*goaway=*/false);
  response.rst_stream_code = 0x7;  // REFUSED_STREAM, on every stream.
  auto server = RawH2Server::Start(std::move(response));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel((*server)->address());
  Outcome out = RunCall(*channel, Echo("x", absl::Seconds(10)), &loop);
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kUnavailable)
      << out.result.status;
  EXPECT_THAT(std::string(out.result.status.message()), HasSubstr("refused"));
  EXPECT_FALSE(out.result.malformed_response);
  EXPECT_EQ((*server)->requests(), 2);
  EXPECT_EQ((*server)->connections(), 1);  // No GOAWAY: the same connection.
}

TEST(H2ChannelRawTest, ResetStreamCodesMapAsGrpcDoes) {
  const struct {
    uint32_t code;
    absl::StatusCode expected;
  } kCases[] = {
      {0x7, absl::StatusCode::kUnavailable},  // REFUSED_STREAM
      {0x8, absl::StatusCode::kCancelled},    // CANCEL
      {0x2, absl::StatusCode::kInternal},     // INTERNAL_ERROR
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(absl::StrCat("RST_STREAM code ", c.code));
    RawH2Response response = ValidRawResponse(/*goaway=*/false);
    response.rst_stream_code = c.code;
    auto server = RawH2Server::Start(std::move(response));
    ASSERT_TRUE(server.ok()) << server.status();
    auto channel = MakeChannel((*server)->address());
    const absl::Time start = absl::Now();
    Outcome out = RunCall(*channel, Echo("x", absl::Seconds(10)));
    EXPECT_EQ(out.result.status.code(), c.expected) << out.result.status;
    EXPECT_FALSE(out.result.malformed_response);
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    // The connection stays usable.
    Outcome again = RunCall(*channel, Echo("x", absl::Seconds(10)));
    EXPECT_EQ(again.result.status.code(), c.expected) << again.result.status;
    EXPECT_EQ((*server)->connections(), 1);
    // REFUSED_STREAM alone is retried (once per call): nothing was processed.
    EXPECT_EQ((*server)->requests(), c.code == 0x7 ? 4 : 2);
  }
}

TEST(H2ChannelRawTest, LocalhostNameIsResolved) {
  auto server = RawH2Server::Start(ValidRawResponse(/*goaway=*/false));
  ASSERT_TRUE(server.ok()) << server.status();
  TestLoop loop;
  auto channel = MakeChannel(absl::StrCat("localhost:", PortOf(**server)));
  Outcome out = RunCall(*channel, Echo("x"), &loop);
  ASSERT_TRUE(out.result.status.ok()) << out.result.status;
  EXPECT_EQ(out.result.payload, "answer");
  EXPECT_EQ((*server)->requests(), 1);
}

TEST(H2ChannelRawTest, TrailersOnlyErrorKeepsMessageAndMetadata) {
  auto server = RawH2Server::Start(TrailersOnly({{"grpc-status", "5"},
                                                 {"grpc-message", "no%20shelf"},
                                                 {"x-custom", "here"}}));
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = MakeChannel((*server)->address());
  Outcome out = RunCall(*channel, Echo("x"));
  EXPECT_EQ(out.result.status.code(), absl::StatusCode::kNotFound)
      << out.result.status;
  EXPECT_EQ(out.result.status.message(), "no shelf");
  EXPECT_FALSE(out.result.malformed_response);
  EXPECT_THAT(out.result.trailers, Contains(Pair("x-custom", "here")));
  EXPECT_THAT(out.result.headers,
              Not(Contains(Pair("x-custom", ::testing::_))));
}

TEST(H2ChannelRawTest, BackendClosingOnARequestIsUnavailableThenReconnects) {
  for (const bool after_headers : {false, true}) {
    SCOPED_TRACE(after_headers ? "closed after the response headers"
                               : "closed on the request");
    RawH2Response response = ValidRawResponse(/*goaway=*/false);
    response.faulty_connections = 1;
    response.close_on_request = !after_headers;
    response.close_after_headers = after_headers;
    auto server = RawH2Server::Start(std::move(response));
    ASSERT_TRUE(server.ok()) << server.status();
    TestLoop loop;
    auto channel = MakeChannel((*server)->address());
    const absl::Time start = absl::Now();
    Outcome cut = RunCall(*channel, Echo("x", absl::Seconds(10)), &loop);
    EXPECT_EQ(cut.result.status.code(), absl::StatusCode::kUnavailable)
        << cut.result.status;
    EXPECT_FALSE(cut.result.malformed_response);
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
    // Not a connect failure: no backoff, the next call reconnects.
    EXPECT_FALSE(channel->failing());
    Outcome next = RunCall(*channel, Echo("x"), &loop);
    ASSERT_TRUE(next.result.status.ok()) << next.result.status;
    EXPECT_EQ(next.result.payload, "answer");
    EXPECT_EQ((*server)->connections(), 2);
  }
}

// A call whose HEADERS is still queued in nghttp2 (the backend's
// MAX_CONCURRENT_STREAMS is reached) when its deadline passes never opens
// its stream. That must not retire the connection: the next call reuses it,
// and no connection outlives the channel and its loop.
TEST(H2ChannelRawTest, CallExpiringBeforeItsStreamOpensKeepsTheConnection) {
  RawH2Response response = ValidRawResponse(/*goaway=*/false);
  response.max_concurrent_streams = 1;
  response.response_delay = absl::Milliseconds(500);
  auto server = RawH2Server::Start(std::move(response));
  ASSERT_TRUE(server.ok()) << server.status();
  auto loop = std::make_unique<TestLoop>();
  auto channel = MakeChannel((*server)->address());
  // A connection that has seen the backend's SETTINGS.
  ASSERT_TRUE(
      RunCall(*channel, Echo("warm-up"), loop.get()).result.status.ok());

  auto slow = std::make_shared<SharedOutcome>();
  auto queued = std::make_shared<SharedOutcome>();
  loop->Post([&channel, slow, queued] {
    channel->Call(Echo("slow"), Record(slow));
    channel->Call(Echo("queued", absl::Milliseconds(200)), Record(queued));
  });
  Outcome expired = Wait(*queued, absl::Seconds(5));
  EXPECT_EQ(expired.result.status.code(), absl::StatusCode::kDeadlineExceeded)
      << expired.result.status;
  Outcome answered = Wait(*slow, absl::Seconds(5));
  ASSERT_TRUE(answered.result.status.ok()) << answered.result.status;
  EXPECT_EQ((*server)->requests(), 2);  // The queued one never went out.

  Outcome next = RunCall(*channel, Echo("next"), loop.get());
  ASSERT_TRUE(next.result.status.ok()) << next.result.status;
  EXPECT_EQ((*server)->connections(), 1);

  channel.reset();
  EXPECT_TRUE(loop->Stop(absl::Seconds(3)));
  EXPECT_TRUE(PollUntil(
      [&] {
        return (*server)->connections_closed_by_peer() ==
               (*server)->connections();
      },
      absl::Seconds(3)))
      << (*server)->connections() << " connections, "
      << (*server)->connections_closed_by_peer() << " closed";
}

// A stock gRPC server answers pings more frequent than every 5 minutes
// with GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") after two strikes
// unless it sent data in between; gRPC's client therefore sends at most
// two pings without data (GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA), so a
// long quiet call with a short keepalive_time still runs to its deadline.
// Returns the status of such a call to a cluster of `target`.
absl::Status QuietCallWithShortKeepalive(const std::string& target) {
  auto upstreams = Upstreams::Create(
      ConfigText(absl::StrCat(
          "clusters { name: 'c' endpoints: '", target,
          "' keepalive { time { nanos: 200000000 } timeout { seconds: 1 } } "
          "} routes { service: 'test' cluster: 'c' }")),
      {});
  if (!upstreams.ok()) return upstreams.status();
  Channel* channel = (*upstreams)->Resolve("test.Test");
  if (channel == nullptr) return absl::InternalError("test: no channel");
  absl::Status warm_up = RunCall(*channel, Echo("x")).result.status;
  if (!warm_up.ok()) return warm_up;
  return RunCall(*channel, {.method = kHang,
                            .deadline = absl::Now() + absl::Milliseconds(2500)})
      .result.status;
}

TEST(H2ClusterTest, ShortKeepaliveDoesNotKillALongQuietCallOnADnsTarget) {
  auto backend = TestBackend::Start();
  ASSERT_NE(backend, nullptr);
  const absl::Status status =
      QuietCallWithShortKeepalive("dns:///" + backend->address());
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
}

// Pinging every keepalive_time for as long as a call is open would earn a
// third early-ping strike and a GOAWAY "too_many_pings" from a stock gRPC
// server: like gRPC, the client stops after two pings without a HEADERS or
// DATA frame sent in between.
TEST(H2ClusterTest, ShortKeepaliveDoesNotKillALongQuietCallOnH2) {
  auto backend = TestBackend::Start();
  ASSERT_NE(backend, nullptr);
  const absl::Status status = QuietCallWithShortKeepalive(backend->address());
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
}

// --- In a cluster ---

// An endpoint whose connection failed once must get calls again after it
// recovers, as with gRPC's channels, which reconnect on their own: the
// picker passes over a failing endpoint, so its loop must retry by itself.
TEST(H2ClusterTest, RecoveredEndpointGetsCallsAgain) {
  auto a = TestBackend::Start();
  auto b = TestBackend::Start();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto upstreams = Upstreams::Create(
      ConfigText(absl::StrCat("clusters { name: 'c' endpoints: '", a->address(),
                              "' endpoints: '", b->address(),
                              "' lb_policy: ROUND_ROBIN } routes { service: "
                              "'test' cluster: 'c' }")),
      {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  Channel* channel = (*upstreams)->Resolve("test.Test");
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(RunCall(*channel, Echo("x")).result.status.ok());
  }
  ASSERT_EQ(a->calls(), 2);

  a->Stop();
  // Round robin sends some calls to `a` until its connection fails.
  int unavailable = 0;
  for (int i = 0; i < 10; ++i) {
    unavailable += RunCall(*channel, Echo("x")).result.status.code() ==
                   absl::StatusCode::kUnavailable;
  }
  EXPECT_GE(unavailable, 1);
  ASSERT_TRUE(a->Restart());
  const int before = a->calls();
  EXPECT_TRUE(PollUntil(
      [&] {
        RunCall(*channel, Echo("x"));
        return a->calls() > before;
      },
      absl::Seconds(8)))
      << "the restarted endpoint got no call";
}

}  // namespace
}  // namespace protogate::upstream::testing
