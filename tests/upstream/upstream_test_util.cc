#include "tests/upstream/upstream_test_util.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace protogate::upstream::testing {
namespace {

struct SharedResult {
  absl::Notification done;
  absl::Mutex mu;
  CallResult result ABSL_GUARDED_BY(mu);
};

// Collects a stream's messages and end; shared with late callbacks.
class Collector final : public StreamObserver {
 public:
  void OnStart(std::shared_ptr<StreamCall> call) override {
    absl::MutexLock lock(&mu_);
    call_ = std::move(call);
  }
  void OnMessage(StreamMessage message) override {
    std::shared_ptr<StreamCall> call;
    {
      absl::MutexLock lock(&mu_);
      outcome_.messages.push_back(std::move(message.payload));
      call = call_;
    }
    call->ReadNext();
  }
  void OnDone(CallResult result) override {
    {
      absl::MutexLock lock(&mu_);
      outcome_.result = std::move(result);
      call_.reset();
    }
    done_.Notify();
  }
  StreamOutcome Wait(absl::Duration wait) {
    if (!done_.WaitForNotificationWithTimeout(wait)) {
      StreamOutcome timed_out;
      timed_out.result.status = absl::UnknownError("test: stream did not end");
      return timed_out;
    }
    absl::MutexLock lock(&mu_);
    return std::move(outcome_);
  }

 private:
  absl::Notification done_;
  absl::Mutex mu_;
  std::shared_ptr<StreamCall> call_ ABSL_GUARDED_BY(mu_);
  StreamOutcome outcome_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

StreamOutcome StreamAndWait(Channel& channel, StreamRequest request,
                            absl::Duration wait) {
  auto collector = std::make_shared<Collector>();
  channel.Stream(std::move(request), collector);
  return collector->Wait(wait);
}

CallResult CallAndWait(Channel& channel, CallRequest request,
                       absl::Duration wait) {
  auto shared = std::make_shared<SharedResult>();
  channel.Call(std::move(request), [shared](CallResult result) {
    {
      absl::MutexLock lock(&shared->mu);
      shared->result = std::move(result);
    }
    shared->done.Notify();
  });
  if (!shared->done.WaitForNotificationWithTimeout(wait)) {
    CallResult timed_out;
    timed_out.status = absl::UnknownError("test: callback did not run");
    return timed_out;
  }
  absl::MutexLock lock(&shared->mu);
  return std::move(shared->result);
}

std::string BookstoreMethod(const std::string& method) {
  return "/demo.bookstore.v1.Bookstore/" + method;
}

RefusingPort::RefusingPort() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot reserve a port";
    return;
  }
  port_ = ntohs(addr.sin_port);
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) close(fd_);
}

void DemoBackendTest::SetUp() {
  auto server = demo::DemoServer::Start("127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  MakeUpstreams(UpstreamOptions());
}

void DemoBackendTest::MakeUpstreams(UpstreamOptions options,
                                    const std::string& cluster_settings) {
  auto upstreams = Upstreams::Create(
      ConfigText(absl::StrCat("clusters { name: 'demo' endpoints: '",
                              server_->address(), "' ", cluster_settings,
                              " } routes { service: 'demo.bookstore' "
                              "cluster: 'demo' }")),
      options);
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  upstreams_ = std::move(*upstreams);
  channel_ = upstreams_->Resolve("demo.bookstore.v1.Bookstore");
  ASSERT_NE(channel_, nullptr);
}

CallResult DemoBackendTest::Call(const std::string& method,
                                 const google::protobuf::Message& request,
                                 Metadata metadata, absl::Time deadline) {
  CallRequest call;
  call.method = BookstoreMethod(method);
  call.payload = request.SerializeAsString();
  call.metadata = std::move(metadata);
  call.deadline = deadline;
  return CallAndWait(*channel_, std::move(call));
}

}  // namespace protogate::upstream::testing
