// The request pipeline (policy/stage.h, proxy/proxy.h) end to end: stages
// built per snapshot run in order for matched and unmatched requests, may
// answer instead of the backend, add upstream metadata and response headers
// that reach every answer, and may decide asynchronously on another thread.
#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/policy/header_rules.h"
#include "gateway/policy/stage.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/gateway_fixture.h"

namespace protogate::server {
namespace {

using ::testing::HasSubstr;

// Adds `x-stage-seen: <route or outcome>` to every answer and
// `x-demo-echo-stage: yes` to the upstream metadata (the demo backend
// echoes x-demo-echo-* as trailers).
class TaggingStage final : public policy::Stage {
 public:
  std::string_view name() const override { return "tagging"; }
  policy::Verdict Apply(policy::Exchange& ex) const override {
    std::string seen = ex.route() != nullptr ? ex.route()->method->full_name()
                       : ex.outcome() == policy::RouteOutcome::kNotFound
                           ? "not-found"
                           : "other";
    ex.response_headers().emplace_back("x-stage-seen", std::move(seen));
    ex.metadata().emplace_back("x-demo-echo-stage", "yes");
    return policy::Verdict::Pass();
  }
};

// Answers 403 for requests with `x-deny`; counts what it let through.
class DenyingStage final : public policy::Stage {
 public:
  explicit DenyingStage(std::atomic<int>* passed) : passed_(passed) {}
  std::string_view name() const override { return "deny"; }
  policy::Verdict Apply(policy::Exchange& ex) const override {
    if (ex.request().header("x-deny")) {
      return policy::Verdict::Answer(403, absl::StatusCode::kPermissionDenied,
                                     "denied by the test stage");
    }
    ++*passed_;
    return policy::Verdict::Pass();
  }

 private:
  std::atomic<int>* passed_;
};

// Decides on a thread of its own, as a stage waiting for Redis would.
class ThreadedStage final : public policy::Stage {
 public:
  std::string_view name() const override { return "threaded"; }
  bool asynchronous() const override { return true; }
  policy::Verdict Apply(policy::Exchange&) const override {
    return policy::Verdict::Pass();
  }
  void ApplyAsync(policy::Exchange& ex,
                  policy::VerdictCallback done) const override {
    const bool deny = ex.request().header("x-deny-async").has_value();
    ex.response_headers().emplace_back("x-async", "ran");
    std::thread([deny, done = std::move(done)]() mutable {
      std::move(done)(
          deny ? policy::Verdict::Answer(
                     429, absl::StatusCode::kResourceExhausted, "slow down")
               : policy::Verdict::Pass());
    }).detach();
  }
};

class PipelineTest : public GatewayFixture {
 protected:
  void SetUp() override {
    auto backend = demo::DemoServer::Start("127.0.0.1:0");
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
  }

  void StartWith(bool asynchronous) {
    StartGateway(
        backend_->address(), absl::Seconds(5),
        [this, asynchronous](SnapshotOptions& options) {
          options.config.mutable_headers()->add_forward_response()->set_prefix(
              "x-demo-echo-");
          options.build_stages =
              [this, asynchronous](
                  const routing::RouteTable&,
                  std::shared_ptr<const policy::HeaderRules> rules) {
                std::vector<std::unique_ptr<const policy::Stage>> s;
                s.push_back(std::make_unique<policy::HeaderRulesStage>(
                    std::move(rules)));
                s.push_back(std::make_unique<TaggingStage>());
                if (asynchronous) {
                  s.push_back(std::make_unique<ThreadedStage>());
                }
                s.push_back(std::make_unique<DenyingStage>(&passed_));
                return absl::StatusOr<policy::StageChain>(
                    policy::StageChain(std::move(s)));
              };
        });
  }

  std::atomic<int> passed_{0};
};

TEST_F(PipelineTest, StagesSeeTheRouteAndTheirHeadersAndMetadataGoThrough) {
  StartWith(false);
  testing::HttpResponse r = Call("GET", "/v1/shelves/1/books/1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-stage-seen"), "demo.bookstore.v1.Bookstore.GetBook");
  EXPECT_EQ(r.Header("x-demo-echo-stage"), "yes");  // Metadata went upstream.
  EXPECT_FALSE(r.Header("x-request-id").empty());
  EXPECT_EQ(passed_.load(), 1);
}

TEST_F(PipelineTest, AStageAnswerStopsTheRequestAndKeepsEarlierHeaders) {
  StartWith(false);
  testing::HttpResponse r =
      Call("GET", "/v1/shelves/1/books/1", "", {"x-deny: 1"});
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("\"code\":7"));
  EXPECT_THAT(r.body, HasSubstr("denied by the test stage"));
  EXPECT_EQ(r.Header("x-stage-seen"), "demo.bookstore.v1.Bookstore.GetBook");
  EXPECT_TRUE(r.Header("x-demo-echo-stage").empty());  // No backend call.
  EXPECT_FALSE(r.Header("x-request-id").empty());
  EXPECT_EQ(passed_.load(), 0);
}

TEST_F(PipelineTest, UnmatchedRequestsRunTheStagesAndGetTheirHeaders) {
  StartWith(false);
  testing::HttpResponse r = Call("GET", "/v1/nothing/here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("x-stage-seen"), "not-found");
  testing::HttpResponse m = Call("PUT", "/v1/shelves/1/books/1");
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.Header("x-stage-seen"), "other");
}

TEST_F(PipelineTest, AnAsynchronousStageResumesTheChainOrAnswers) {
  StartWith(true);
  for (int i = 0; i < 20; ++i) {
    testing::HttpResponse r = Call("GET", "/v1/shelves/1/books/1");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("x-async"), "ran");
    EXPECT_EQ(r.Header("x-demo-echo-stage"), "yes");
  }
  EXPECT_EQ(passed_.load(), 20);
  testing::HttpResponse denied =
      Call("GET", "/v1/shelves/1/books/1", "", {"x-deny-async: 1"});
  EXPECT_EQ(denied.status, 429);
  EXPECT_EQ(denied.Header("x-async"), "ran");
  EXPECT_EQ(denied.Header("x-stage-seen"),
            "demo.bookstore.v1.Bookstore.GetBook");
  EXPECT_EQ(passed_.load(), 20);  // Later stages did not run.
}

}  // namespace
}  // namespace protogate::server
