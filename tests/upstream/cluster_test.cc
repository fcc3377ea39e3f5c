// Clusters over several real gRPC backends (127.0.0.1:0): balancing, health
// checks, routes and Create() errors.
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "demo/bookstore.pb.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "google/protobuf/empty.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/testing/grpc_test_backend.h"
#include "tests/upstream/upstream_test_util.h"
#include "tools/demo/bookstore_service.h"

namespace protogate::upstream::testing {
namespace {

using ::protogate::testing::GrpcTestBackend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Short health checks; two failures in a row make an endpoint unhealthy so
// that one slow check on a loaded machine does not.
constexpr char kFastChecks[] =
    "health_check { interval { nanos: 50000000 } timeout { nanos: 50000000 } "
    "unhealthy_threshold: 2 healthy_threshold: 1 %s } ";

// `routes { service: 'S' cluster: 'C' }` for each pair.
std::string Routes(
    const std::vector<std::pair<std::string, std::string>>& routes) {
  std::string text;
  for (const auto& [service, cluster] : routes) {
    absl::StrAppend(&text, "routes { service: '", service, "' cluster: '",
                    cluster, "' } ");
  }
  return text;
}

// `clusters { name: 'NAME' endpoints: ... EXTRA }`.
std::string ClusterText(const std::string& name,
                        const std::vector<std::string>& endpoints,
                        const std::string& extra = "") {
  std::string text = absl::StrCat("clusters { name: '", name, "' ");
  for (const std::string& e : endpoints) {
    absl::StrAppend(&text, "endpoints: '", e, "' ");
  }
  return absl::StrCat(text, extra, "} ");
}

class ClusterTest : public ::testing::Test {
 protected:
  void StartBackends(int n) {
    for (int i = 0; i < n; ++i) {
      backends_.push_back(GrpcTestBackend::Start());
      ASSERT_NE(backends_.back(), nullptr);
    }
  }

  // Cluster "books" over every backend; `health_service`: checked, asking
  // for that service ("" = the whole server).
  std::string Books(const std::string& lb_policy,
                    std::optional<std::string> health_service) {
    std::vector<std::string> endpoints;
    for (const auto& b : backends_) endpoints.push_back(b->address());
    std::string extra = absl::StrCat("lb_policy: ", lb_policy, " ");
    if (health_service.has_value()) {
      absl::StrAppend(
          &extra, absl::StrFormat(kFastChecks,
                                  health_service->empty()
                                      ? std::string()
                                      : "service: '" + *health_service + "'"));
    }
    return ClusterText("books", endpoints, extra);
  }

  void Build(const std::string& text) {
    auto upstreams = Upstreams::Create(ConfigText(text), {});
    ASSERT_TRUE(upstreams.ok()) << upstreams.status();
    upstreams_ = *std::move(upstreams);
  }

  CallResult ListShelves(const std::string& service = "demo.bookstore") {
    Channel* channel = upstreams_->Resolve(service);
    EXPECT_NE(channel, nullptr);
    if (channel == nullptr) return {};
    CallRequest request{
        .method = BookstoreMethod("ListShelves"),
        .payload = google::protobuf::Empty().SerializeAsString(),
        .deadline = absl::Now() + absl::Seconds(10)};
    return CallAndWait(*channel, std::move(request));
  }

  std::vector<int> Calls() const {
    std::vector<int> calls;
    for (const auto& b : backends_) calls.push_back(b->calls());
    return calls;
  }

  // Polls Health() until endpoint `index` of the first cluster is
  // `healthy`, for at most 10 s.
  bool WaitForEndpoint(size_t index, bool healthy) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (upstreams_->Health()[0].endpoint_healthy[index] == healthy) {
        return true;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::vector<std::unique_ptr<GrpcTestBackend>> backends_;
  std::unique_ptr<Upstreams> upstreams_;
};

TEST_F(ClusterTest, RoundRobinSpreadsCallsOverEveryEndpoint) {
  StartBackends(3);
  Build(Books("ROUND_ROBIN", std::nullopt) +
        Routes({{"demo.bookstore", "books"}}));
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(ListShelves().status.ok()) << i;
  }
  EXPECT_THAT(Calls(), ElementsAre(10, 10, 10));
}

TEST_F(ClusterTest, WithoutHealthChecksAnEndpointFailingToConnectIsPassedOver) {
  StartBackends(1);
  RefusingPort refused;
  Build(ClusterText("books", {"127.0.0.1:" + std::to_string(refused.port()),
                              backends_[0]->address()}) +
        Routes({{"demo.bookstore", "books"}}));
  int failures = 0;
  for (int i = 0; i < 20; ++i) {
    CallResult result = ListShelves();
    if (!result.status.ok()) {
      ++failures;
      EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
    }
  }
  // Only calls made before the refused channel reported TRANSIENT_FAILURE
  // fail (plain round robin would fail every other call).
  EXPECT_LE(failures, 3);
  EXPECT_EQ(backends_[0]->calls(), 20 - failures);
}

TEST_F(ClusterTest, PickFirstSendsEveryCallToTheFirstEndpoint) {
  StartBackends(3);
  Build(Books("PICK_FIRST", std::nullopt) +
        Routes({{"demo.bookstore", "books"}}));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ListShelves().status.ok()) << i;
  }
  EXPECT_THAT(Calls(), ElementsAre(10, 0, 0));
}

TEST_F(ClusterTest, PickFirstMovesOnWhenTheFirstStopsServing) {
  StartBackends(2);
  Build(Books("PICK_FIRST", "") + Routes({{"demo.bookstore", "books"}}));
  backends_[0]->SetServing(false);
  ASSERT_TRUE(WaitForEndpoint(0, false));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ListShelves().status.ok()) << i;
  }
  EXPECT_THAT(Calls(), ElementsAre(0, 10));
  backends_[0]->SetServing(true);
  ASSERT_TRUE(WaitForEndpoint(0, true));
  ASSERT_TRUE(ListShelves().status.ok());
  EXPECT_THAT(Calls(), ElementsAre(1, 10));
}

TEST_F(ClusterTest, RoundRobinSkipsAnEndpointNotServingUntilItRecovers) {
  StartBackends(3);
  Build(Books("ROUND_ROBIN", "") + Routes({{"demo.bookstore", "books"}}));
  backends_[1]->SetServing(false);
  ASSERT_TRUE(WaitForEndpoint(1, false));
  const std::vector<int> before = Calls();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(ListShelves().status.ok()) << i;
  }
  std::vector<int> after = Calls();
  EXPECT_EQ(after[1], before[1]);
  EXPECT_GT(after[0], before[0]);
  EXPECT_GT(after[2], before[2]);
  EXPECT_EQ(after[0] + after[2] - before[0] - before[2], 20);

  backends_[1]->SetServing(true);
  ASSERT_TRUE(WaitForEndpoint(1, true));
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(ListShelves().status.ok()) << i;
  }
  EXPECT_GT(Calls()[1], after[1]);
}

TEST_F(ClusterTest, KilledBackendIsSkippedAfterTheChecks) {
  StartBackends(2);
  Build(Books("ROUND_ROBIN", "") + Routes({{"demo.bookstore", "books"}}));
  backends_[0]->Shutdown();
  ASSERT_TRUE(WaitForEndpoint(0, false));
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(ListShelves().status.ok()) << i;
  }
  EXPECT_EQ(Calls()[1], 10);
}

TEST_F(ClusterTest, NoHealthyEndpointFailsFastNamingTheCluster) {
  StartBackends(2);
  Build(Books("ROUND_ROBIN", "") + Routes({{"demo.bookstore", "books"}}));
  EXPECT_TRUE(upstreams_->Health()[0].any_healthy());
  backends_[0]->SetServing(false);
  backends_[1]->SetServing(false);
  ASSERT_TRUE(WaitForEndpoint(0, false));
  ASSERT_TRUE(WaitForEndpoint(1, false));
  EXPECT_FALSE(upstreams_->Health()[0].any_healthy());
  CallResult result = ListShelves();
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(result.status.message(),
            "cluster \"books\": no healthy endpoint (2 of 2 failing health "
            "checks)");
  EXPECT_THAT(Calls(), ElementsAre(0, 0));
}

TEST_F(ClusterTest, HealthChecksAskForTheConfiguredService) {
  StartBackends(1);
  backends_[0]->SetServing("books.v1", true);
  Build(Books("ROUND_ROBIN", "books.v1") + Routes({{"demo", "books"}}));
  // Only "books.v1" stops serving; the server as a whole ("") still serves.
  backends_[0]->SetServing("books.v1", false);
  ASSERT_TRUE(WaitForEndpoint(0, false));
  backends_[0]->SetServing("books.v1", true);
  ASSERT_TRUE(WaitForEndpoint(0, true));
}

TEST_F(ClusterTest, AServiceTheHealthServiceDoesNotKnowIsUnhealthy) {
  StartBackends(1);
  // Check: NOT_FOUND.
  Build(Books("ROUND_ROBIN", "no.such.Service") + Routes({{"demo", "books"}}));
  ASSERT_TRUE(WaitForEndpoint(0, false));
  EXPECT_EQ(ListShelves().status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(ClusterTest, EndpointsStartHealthyBeforeTheFirstCheck) {
  StartBackends(1);
  Build(ClusterText("books", {backends_[0]->address()},
                    "health_check { interval { seconds: 3600 } timeout { "
                    "seconds: 1 } }") +
        Routes({{"demo", "books"}}));
  EXPECT_THAT(upstreams_->Health()[0].endpoint_healthy, ElementsAre(true));
  EXPECT_TRUE(upstreams_->Health()[0].routed);
  EXPECT_TRUE(ListShelves().status.ok());
}

TEST_F(ClusterTest, RoutesPickTheLongestMatchAtDotBoundaries) {
  StartBackends(2);
  Build(ClusterText("a", {backends_[0]->address()}) +
        ClusterText("b", {backends_[1]->address()}) +
        ClusterText("unused", {backends_[1]->address()}) +
        Routes({{"demo", "a"}, {"demo.bookstore.v1.Bookstore", "b"}}));
  Channel* bookstore = upstreams_->Resolve("demo.bookstore.v1.Bookstore");
  Channel* other = upstreams_->Resolve("demo.bookstore.v1.Other");
  EXPECT_NE(bookstore, nullptr);
  EXPECT_NE(other, nullptr);
  EXPECT_NE(bookstore, other);
  EXPECT_EQ(upstreams_->Resolve("demo.bookstore.v1.BookstoreX"), other);
  EXPECT_EQ(upstreams_->Resolve("demox.Service"), nullptr);
  ASSERT_TRUE(ListShelves("demo.bookstore.v1.Bookstore").status.ok());
  ASSERT_TRUE(ListShelves("demo.bookstore.v1.Other").status.ok());
  EXPECT_THAT(Calls(), ElementsAre(1, 1));
  std::vector<ClusterHealth> health = upstreams_->Health();
  ASSERT_EQ(health.size(), 3u);
  EXPECT_TRUE(health[0].routed);
  EXPECT_TRUE(health[1].routed);
  EXPECT_FALSE(health[2].routed);
}

TEST_F(ClusterTest, BackendFlagReplacesTheRouteOfItsService) {
  StartBackends(2);
  Build(ClusterText("books", {backends_[0]->address()}) +
        Routes({{"demo.bookstore", "books"}}) +
        absl::StrCat("backends { service: 'demo.bookstore' target: '",
                     backends_[1]->address(), "' }"));
  ASSERT_TRUE(ListShelves().status.ok());
  EXPECT_THAT(Calls(), ElementsAre(0, 1));
}

absl::Status CreateStatus(const std::string& text) {
  return Upstreams::Create(ConfigText(text), {}).status();
}

// The config's rules are config::ValidateConfig's (tests/config); Create
// fails only where the outside world does, or where two sources of
// clusters and routes collide.
TEST(ClusterCreateTest, RejectsWhatTheConfigCannotCheck) {
  const std::string ok = ClusterText("a", {"127.0.0.1:1"});
  EXPECT_EQ(
      CreateStatus(ok + "backends { service: 'a' target: 'h:1' }").message(),
      "cluster \"a\": the name is given twice");
  EXPECT_EQ(CreateStatus(ok + Routes({{"demo", "b"}})).message(),
            "routes[0] (\"demo\"): unknown cluster \"b\"");
  absl::Status missing = CreateStatus(ClusterText(
      "a", {"127.0.0.1:1"}, "tls { ca_file: '/nonexistent/ca.pem' }"));
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.message(),
              HasSubstr("cluster \"a\": tls.ca_file \"/nonexistent/ca.pem\""));
}

TEST(ClusterCreateTest, DnsTargetIsOneEndpoint) {
  auto backend = GrpcTestBackend::Start();
  ASSERT_NE(backend, nullptr);
  auto upstreams = Upstreams::Create(
      ConfigText(ClusterText("dns", {"dns:///" + backend->address()},
                             "lb_policy: PICK_FIRST") +
                 Routes({{"demo", "dns"}})),
      {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  CallRequest request{.method = BookstoreMethod("ListShelves"),
                      .payload = google::protobuf::Empty().SerializeAsString()};
  EXPECT_TRUE(CallAndWait(*(*upstreams)->Resolve("demo.bookstore.v1.Bookstore"),
                          std::move(request))
                  .status.ok());
  EXPECT_EQ(backend->calls(), 1);
}

// A unix:///path target: one endpoint on a Unix domain socket, unary and
// streaming calls alike.
TEST(ClusterCreateTest, UnixSocketTargetIsOneEndpoint) {
  const std::string path =
      absl::StrCat("/tmp/protogate-cluster-test-", ::getpid(), ".sock");
  demo::BookstoreService service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix://" + path, grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto upstreams =
      Upstreams::Create(ConfigText(ClusterText("local", {"unix://" + path}) +
                                   Routes({{"demo", "local"}})),
                        {});
  ASSERT_TRUE(upstreams.ok()) << upstreams.status();
  Channel& channel = *(*upstreams)->Resolve("demo.bookstore.v1.Bookstore");
  CallResult unary = CallAndWait(
      channel, {.method = BookstoreMethod("ListShelves"),
                .payload = google::protobuf::Empty().SerializeAsString(),
                .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_TRUE(unary.status.ok()) << unary.status;
  ::demo::bookstore::v1::StreamBooksRequest request;
  request.set_shelf(1);
  StreamOutcome stream =
      StreamAndWait(channel, {.method = BookstoreMethod("StreamBooks"),
                              .messages = {request.SerializeAsString()},
                              .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_TRUE(stream.result.status.ok()) << stream.result.status;
  EXPECT_EQ(stream.messages.size(), 3u);
  upstreams->reset();
  server->Shutdown(std::chrono::system_clock::now());
  ::unlink(path.c_str());
}

// Schemes the client does not resolve itself are refused at creation.
TEST(ClusterCreateTest, OtherSchemesAreRefused) {
  for (const char* target : {"ipv4:127.0.0.1:1", "ipv6:[::1]:1"}) {
    absl::Status s = CreateStatus(ClusterText("a", {target}));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << target;
    EXPECT_THAT(s.message(), HasSubstr("is not host:port, dns:///host:port or "
                                       "unix:///path"));
  }
}

}  // namespace
}  // namespace protogate::upstream::testing
