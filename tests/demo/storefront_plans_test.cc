// The Storefront composition plans of proto/demo/storefront.proto: they
// compile (from the generated pool and from the demo descriptor set, as the
// gateway loads them), explain, and run through aggregator::Executor against
// the real demo backends over gRPC (upstream::Upstreams).
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "aggregator/executor.h"
#include "aggregator/explain.h"
#include "aggregator/plan_compiler.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "tests/demo/storefront_fixture.h"
#include "tests/testing/backends_config.h"
#include "tests/testing/child_process.h"

namespace protogate::demo {
namespace {

using ::protogate::aggregator::CompiledPlan;
using ::protogate::aggregator::RunResult;
using ::protogate::aggregator::StepOutcome;
using ::protogate::aggregator::StepTiming;
using ::testing::Contains;
using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr char kGetProductPage[] =
    "demo.storefront.v1.Storefront.GetProductPage";
constexpr char kListProductPages[] =
    "demo.storefront.v1.Storefront.ListProductPages";
constexpr char kGetProductCard[] =
    "demo.storefront.v1.Storefront.GetProductCard";

const google::protobuf::MethodDescriptor& GeneratedMethod(const char* name) {
  const auto* method =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          name);
  EXPECT_NE(method, nullptr) << name;
  return *method;
}

std::unique_ptr<const CompiledPlan> Compile(
    const google::protobuf::MethodDescriptor& method) {
  auto plan = aggregator::CompilePlan(method);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *std::move(plan) : nullptr;
}

TEST(StorefrontPlanCompileTest, BothPlansCompileFromTheGeneratedPool) {
  for (const char* name :
       {kGetProductPage, kListProductPages, kGetProductCard}) {
    std::unique_ptr<const CompiledPlan> plan = Compile(GeneratedMethod(name));
    ASSERT_NE(plan, nullptr) << name;
    const std::string dot = aggregator::ExplainDot(*plan);
    EXPECT_THAT(dot, HasSubstr("digraph")) << name;
    EXPECT_THAT(aggregator::ExplainJson(*plan), HasSubstr("\"steps\""));
  }
}

TEST(StorefrontPlanCompileTest, ExplainShowsTheShapeOfEachPlan) {
  auto page = Compile(GeneratedMethod(kGetProductPage));
  ASSERT_NE(page, nullptr);
  const std::string dot = aggregator::ExplainDot(*page);
  for (const char* step : {"product", "price", "stock", "reviews"}) {
    EXPECT_THAT(dot, HasSubstr(step));
  }
  auto list = Compile(GeneratedMethod(kListProductPages));
  ASSERT_NE(list, nullptr);
  const std::string json = aggregator::ExplainJson(*list);
  EXPECT_THAT(json, HasSubstr("\"depends_on\""));
  EXPECT_THAT(json, HasSubstr("BATCH"));
}

// The demo descriptor set in a fresh pool, as the gateway loads it.
class DemoSetPool {
 public:
  DemoSetPool() {
    std::ifstream in(::protogate::testing::BinDir() + "/proto/demo.binpb",
                     std::ios::binary);
    google::protobuf::FileDescriptorSet set;
    EXPECT_TRUE(set.ParseFromIstream(&in))
        << "build protogate_demo_descriptors";
    for (const auto& file : set.file()) {
      if (pool_.FindFileByName(file.name()) != nullptr) continue;
      EXPECT_NE(pool_.BuildFile(file), nullptr) << file.name();
    }
  }
  const google::protobuf::DescriptorPool& pool() const { return pool_; }

 private:
  google::protobuf::DescriptorPool pool_;
};

TEST(StorefrontPlanCompileTest, BothPlansCompileFromTheDemoDescriptorSet) {
  DemoSetPool set;
  EXPECT_NE(set.pool().FindServiceByName("demo.bookstore.v1.Bookstore"),
            nullptr);
  for (const char* name :
       {kGetProductPage, kListProductPages, kGetProductCard}) {
    const auto* method = set.pool().FindMethodByName(name);
    ASSERT_NE(method, nullptr) << name;
    EXPECT_TRUE(aggregator::HasPlan(*method)) << name;
    EXPECT_NE(Compile(*method), nullptr) << name;
  }
}

// Counts the calls in flight on a channel. A REQUIRED failure ends a run
// while sibling calls are still in flight (the executor abandons them), and
// a channel must outlive every call it started: tests wait for AwaitIdle()
// before destroying the channel.
// Thread safety: thread-safe. Ownership: borrows `inner`; callbacks share
// the counter, so they may outlive the TrackingChannel.
class TrackingChannel final : public upstream::Channel {
 public:
  explicit TrackingChannel(upstream::Channel& inner) : inner_(inner) {}

  void Call(upstream::CallRequest request,
            upstream::CallCallback done) override {
    {
      absl::MutexLock lock(&state_->mu);
      ++state_->in_flight;
    }
    inner_.Call(std::move(request), [state = state_, done = std::move(done)](
                                        upstream::CallResult result) mutable {
      std::move(done)(std::move(result));
      absl::MutexLock lock(&state->mu);
      --state->in_flight;
    });
  }

  // True once no call is in flight, false after `timeout`.
  bool AwaitIdle(absl::Duration timeout) {
    State& s = *state_;
    absl::MutexLock lock(&s.mu);
    auto idle = [&s]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(s.mu) {
      return s.in_flight == 0;
    };
    return s.mu.AwaitWithTimeout(absl::Condition(&idle), timeout);
  }

 private:
  struct State {
    absl::Mutex mu;
    int in_flight ABSL_GUARDED_BY(mu) = 0;
  };
  upstream::Channel& inner_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Runs the plans against a StorefrontServer through real gRPC channels.
class StorefrontPlansTest : public testing::StorefrontFixture {
 protected:
  void SetUp() override {
    StorefrontFixture::SetUp();
    auto upstreams = upstream::Upstreams::Create(
        ::protogate::testing::BackendsConfig(
            {{.service = "demo.storefront", .target = server_->address()}}),
        {});
    ASSERT_TRUE(upstreams.ok()) << upstreams.status();
    upstreams_ = *std::move(upstreams);
    upstream::Channel* channel =
        upstreams_->Resolve("demo.storefront.v1.Catalog");
    ASSERT_NE(channel, nullptr);
    channel_tracker_ = std::make_unique<TrackingChannel>(*channel);
    page_plan_ = Compile(GeneratedMethod(kGetProductPage));
    list_plan_ = Compile(GeneratedMethod(kListProductPages));
    ASSERT_NE(page_plan_, nullptr);
    ASSERT_NE(list_plan_, nullptr);
  }

  // Calls abandoned by a failed run end at their own deadlines (1 s steps).
  void TearDown() override {
    if (channel_tracker_ != nullptr) {
      EXPECT_TRUE(channel_tracker_->AwaitIdle(absl::Seconds(10)));
    }
  }

  RunResult Run(const CompiledPlan& plan,
                const google::protobuf::Message& request) {
    struct Done {
      absl::Notification note;
      RunResult result;
    };
    auto done = std::make_shared<Done>();
    aggregator::RunOptions options;
    options.deadline = absl::Now() + absl::Seconds(10);
    // Every demo.storefront service is on the one server.
    options.resolver = [this](const google::protobuf::ServiceDescriptor& s)
        -> upstream::Channel* {
      return upstreams_->Resolve(s.full_name()) != nullptr
                 ? channel_tracker_.get()
                 : nullptr;
    };
    executor_.Run(plan, request.SerializeAsString(), options,
                  [done](RunResult r) {
                    done->result = std::move(r);
                    done->note.Notify();
                  });
    EXPECT_TRUE(done->note.WaitForNotificationWithTimeout(absl::Seconds(15)));
    return done->result;
  }

  RunResult RunPage(const std::string& id, storefront_pb::ProductPage& page) {
    storefront_pb::GetProductPageRequest request;
    request.set_id(id);
    RunResult result = Run(*page_plan_, request);
    if (result.status.ok()) {
      EXPECT_TRUE(page.ParseFromString(result.response));
    }
    return result;
  }

  RunResult RunList(const storefront_pb::ListProductPagesRequest& request,
                    storefront_pb::ListProductPagesResponse& out) {
    RunResult result = Run(*list_plan_, request);
    if (result.status.ok()) {
      EXPECT_TRUE(out.ParseFromString(result.response));
    }
    return result;
  }

  std::unique_ptr<upstream::Upstreams> upstreams_;
  std::unique_ptr<TrackingChannel> channel_tracker_;  // Over upstreams_.
  std::unique_ptr<const CompiledPlan> page_plan_;
  std::unique_ptr<const CompiledPlan> list_plan_;
  aggregator::Executor executor_;
};

const StepTiming& TimingOf(const RunResult& r, const std::string& step) {
  for (const StepTiming& t : r.timings) {
    if (t.step == step) return t;
  }
  static const StepTiming kNone;
  ADD_FAILURE() << "no timing for " << step;
  return kNone;
}

TEST_F(StorefrontPlansTest, ProductPageMergesAllFourBackends) {
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p1", page);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(page.product().id(), "p1");
  EXPECT_EQ(page.product().name(), "Yirgacheffe beans 250 g");
  EXPECT_EQ(page.price().amount().units(), 12);
  EXPECT_EQ(page.price().amount().nanos(), 900'000'000);
  EXPECT_EQ(page.stock().available(), 42);
  EXPECT_EQ(page.stock().warehouse(), "ams-1");
  ASSERT_EQ(page.reviews_size(), 3);
  EXPECT_EQ(page.reviews(0).author(), "mira");
  EXPECT_EQ(page.review_count(), 3);
  EXPECT_THAT(page.average_rating(), DoubleNear(14.0 / 3, 1e-9));
  EXPECT_THAT(page.errors(), IsEmpty());
  EXPECT_THAT(result.failures, IsEmpty());
  for (const StepTiming& t : result.timings) {
    EXPECT_EQ(t.outcome, StepOutcome::kOk) << t.step;
    EXPECT_EQ(t.calls, 1) << t.step;
  }
}

TEST_F(StorefrontPlansTest, ProductPageCallsTheFourBackendsInParallel) {
  for (auto backend :
       {StorefrontBackend::kCatalog, StorefrontBackend::kPricing,
        StorefrontBackend::kInventory, StorefrontBackend::kReviews}) {
    knobs().SetDelay(backend, absl::Milliseconds(200));
  }
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p2", page);
  ASSERT_TRUE(result.status.ok()) << result.status;
  // Sequential steps would start after another one ended.
  for (const StepTiming& a : result.timings) {
    for (const StepTiming& b : result.timings) {
      EXPECT_LT(a.start, b.end) << a.step << " started after " << b.step;
    }
  }
}

TEST_F(StorefrontPlansTest, ProductPageWithoutReviewsWhenReviewsFail) {
  knobs().SetFailure(StorefrontBackend::kReviews,
                     grpc::StatusCode::UNAVAILABLE);
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p1", page);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(page.product().id(), "p1");
  EXPECT_EQ(page.price().amount().units(), 12);
  EXPECT_EQ(page.stock().available(), 42);
  EXPECT_THAT(page.reviews(), IsEmpty());
  EXPECT_EQ(page.review_count(), 0);
  ASSERT_EQ(page.errors_size(), 1);
  EXPECT_EQ(page.errors(0).code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(page.errors(0).message(), HasSubstr("step \"reviews\""));
  // A transport code: the generic message, not the backend's text.
  EXPECT_THAT(page.errors(0).message(), HasSubstr("upstream unavailable"));
  EXPECT_THAT(result.headers,
              Contains(Pair("x-partial-failures", "reviews=UNAVAILABLE")));
  ASSERT_EQ(result.failures.size(), 1u);
  EXPECT_EQ(result.failures[0].step, "reviews");
  EXPECT_EQ(TimingOf(result, "reviews").outcome, StepOutcome::kFailed);
}

TEST_F(StorefrontPlansTest, ProductPageWithoutReviewsWhenReviewsAreTooSlow) {
  // Longer than the reviews step's 1 s timeout; the backend stops waiting
  // when the call is cancelled at that deadline.
  knobs().SetDelay(StorefrontBackend::kReviews, absl::Seconds(8));
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p3", page);
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(page.product().id(), "p3");
  EXPECT_THAT(page.reviews(), IsEmpty());
  ASSERT_EQ(page.errors_size(), 1);
  EXPECT_EQ(page.errors(0).code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(StorefrontPlansTest, ProductPageFailsWhenARequiredBackendFails) {
  knobs().SetFailure(StorefrontBackend::kPricing,
                     grpc::StatusCode::UNAVAILABLE);
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p1", page);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(result.status.message()),
              HasSubstr("step \"price\""));
}

TEST_F(StorefrontPlansTest, ProductPageOfAnUnknownProductIsNotFound) {
  storefront_pb::ProductPage page;
  RunResult result = RunPage("p9", page);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status.message()),
              HasSubstr("product \"p9\" not found"));
}

TEST_F(StorefrontPlansTest, ListJoinsPricesAndStockOntoEveryProduct) {
  storefront_pb::ListProductPagesResponse list;
  RunResult result = RunList({}, list);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(list.products_size(), 8);
  for (const auto& product : list.products()) {
    const ProductRecord* seed = server_->data().Find(product.id());
    ASSERT_NE(seed, nullptr) << product.id();
    EXPECT_EQ(product.name(), seed->product.name());
    EXPECT_EQ(product.price().product_id(), product.id());
    EXPECT_EQ(product.price().amount().units(), seed->price.amount().units());
    EXPECT_EQ(product.stock().product_id(), product.id());
    EXPECT_EQ(product.stock().available(), seed->stock.available());
  }
  EXPECT_EQ(list.next_page_token(), "");
  EXPECT_THAT(list.errors(), IsEmpty());
  EXPECT_EQ(TimingOf(result, "products").calls, 1);
  EXPECT_EQ(TimingOf(result, "prices").calls, 1);  // One batch of 8 ids.
  EXPECT_EQ(TimingOf(result, "stock").calls, 8);   // One call per product.
}

TEST_F(StorefrontPlansTest, ListPassesPagingAndCategoryToTheCatalog) {
  storefront_pb::ListProductPagesRequest request;
  request.set_category("kitchen");
  request.set_page_size(2);
  storefront_pb::ListProductPagesResponse list;
  RunResult result = RunList(request, list);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(list.products_size(), 2);
  EXPECT_EQ(list.products(0).id(), "p6");
  EXPECT_EQ(list.products(0).price().discount_percent(), 15);
  EXPECT_EQ(list.products(1).id(), "p7");
  EXPECT_EQ(list.products(1).stock().availability(),
            storefront_pb::Stock::LOW_STOCK);
  EXPECT_EQ(list.next_page_token(), "2");
  EXPECT_EQ(TimingOf(result, "stock").calls, 2);
}

TEST_F(StorefrontPlansTest, ListWithoutStockWhenInventoryFails) {
  knobs().SetFailure(StorefrontBackend::kInventory,
                     grpc::StatusCode::UNAVAILABLE);
  storefront_pb::ListProductPagesResponse list;
  RunResult result = RunList({}, list);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_EQ(list.products_size(), 8);
  for (const auto& product : list.products()) {
    EXPECT_EQ(product.price().product_id(), product.id());
    EXPECT_FALSE(product.has_stock()) << product.id();
  }
  ASSERT_THAT(list.errors(), Not(IsEmpty()));
  EXPECT_EQ(list.errors(0).code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(list.errors(0).message(), HasSubstr("step \"stock\""));
  EXPECT_THAT(result.headers,
              Contains(Pair("x-partial-failures", "stock=UNAVAILABLE")));
}

TEST_F(StorefrontPlansTest, ListFailsWhenPricingFails) {
  knobs().SetFailure(StorefrontBackend::kPricing, grpc::StatusCode::INTERNAL);
  storefront_pb::ListProductPagesResponse list;
  RunResult result = RunList({}, list);
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(result.status.message()),
              HasSubstr("step \"prices\""));
}

// The expression plan: computed title, price text and badges; reviews only
// when asked for and the product is not a kitchen item.
TEST_F(StorefrontPlansTest, ProductCardComputesFieldsWithExpressions) {
  std::unique_ptr<const CompiledPlan> plan =
      Compile(GeneratedMethod(kGetProductCard));
  ASSERT_NE(plan, nullptr);
  storefront_pb::GetProductCardRequest request;
  request.set_id("p2");
  request.set_with_reviews(true);
  RunResult result = Run(*plan, request);
  ASSERT_TRUE(result.status.ok()) << result.status;
  storefront_pb::ProductCard card;
  ASSERT_TRUE(card.ParseFromString(result.response));
  EXPECT_EQ(card.title(), "Kaldi Roasters Huila beans 1 kg");
  EXPECT_EQ(card.price_text(), "EUR 35.10");
  EXPECT_TRUE(card.on_sale());
  EXPECT_THAT(card.badges(), ::testing::ElementsAre("sale", "single-origin"));
  EXPECT_THAT(card.top_reviews(), IsEmpty());  // Ratings 4 and 3.
  EXPECT_EQ(card.stars(), 4);                  // (4 + 3) / 2 rounded.

  request.set_id("p1");
  request.set_with_reviews(false);
  result = Run(*plan, request);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_TRUE(card.ParseFromString(result.response));
  EXPECT_EQ(card.price_text(), "EUR 12.90");
  EXPECT_THAT(card.badges(), ::testing::ElementsAre("single-origin"));
  EXPECT_EQ(card.stars(), 0);
  EXPECT_EQ(TimingOf(result, "reviews").outcome, StepOutcome::kSkipped);

  request.set_with_reviews(true);
  result = Run(*plan, request);
  ASSERT_TRUE(result.status.ok()) << result.status;
  ASSERT_TRUE(card.ParseFromString(result.response));
  EXPECT_THAT(
      card.top_reviews(),
      ::testing::ElementsAre("mira: Bright and floral, my morning favourite.",
                             "ana: Smells like a flower shop."));
  EXPECT_EQ(card.stars(), 5);  // 4.67 rounded.
}

}  // namespace
}  // namespace protogate::demo
