// Test helpers for tests/upstream: a blocking wrapper around
// Channel::Call, a port nothing listens on, and a fixture running the
// demo Bookstore in-process behind an Upstreams.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/upstreams.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tools/demo/demo_server.h"

namespace protogate::upstream::testing {

// Starts `request` and waits up to `wait` for its callback. On timeout the
// result has status "test: callback did not run" (code UNKNOWN); the
// late callback then writes into shared state, never into freed memory.
CallResult CallAndWait(Channel& channel, CallRequest request,
                       absl::Duration wait = absl::Seconds(20));

// What a streaming call delivered.
struct StreamOutcome {
  std::vector<std::string> messages;
  CallResult result;
};

// Starts `request`, reads every message and waits up to `wait` for the end
// (on timeout: status UNKNOWN "test: stream did not end").
StreamOutcome StreamAndWait(Channel& channel, StreamRequest request,
                            absl::Duration wait = absl::Seconds(20));

// "/demo.bookstore.v1.Bookstore/<method>".
std::string BookstoreMethod(const std::string& method);

// A TCP port on 127.0.0.1 that is bound but not listening for as long as
// the object lives: connecting to it is refused at once.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Runs a DemoServer on 127.0.0.1:0 and an Upstreams whose backend
// "demo.bookstore" points at it; channel() is its resolved channel.
class DemoBackendTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // Builds upstreams_ for the running server with `options`: one cluster,
  // with `cluster_settings` (text format, e.g. "max_send_message_bytes: 16").
  void MakeUpstreams(UpstreamOptions options,
                     const std::string& cluster_settings = "");

  Channel& channel() { return *channel_; }

  // Calls `method` of the Bookstore with `request` serialized.
  CallResult Call(const std::string& method,
                  const google::protobuf::Message& request,
                  Metadata metadata = {},
                  absl::Time deadline = absl::InfiniteFuture());

  std::unique_ptr<demo::DemoServer> server_;
  std::unique_ptr<Upstreams> upstreams_;
  Channel* channel_ = nullptr;
};

// The clusters, routes and backends of a GatewayConfig in text format, e.g.
// "clusters { name: 'a' endpoints: '127.0.0.1:1' } routes { service: 'demo'
// cluster: 'a' }". A text that does not parse fails the test.
inline config::v1::GatewayConfig ConfigText(const std::string& text) {
  config::v1::GatewayConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

}  // namespace protogate::upstream::testing
