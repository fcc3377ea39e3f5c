// Which methods' direct calls are retried, and with what (route_retries.h).
#include "gateway/proxy/route_retries.h"

#include "demo/bookstore.pb.h"
#include "demo/storefront.pb.h"
#include "gtest/gtest.h"

namespace protogate::proxy {
namespace {

const google::protobuf::MethodDescriptor& Idempotent() {
  // option idempotency_level = NO_SIDE_EFFECTS
  return *demo::storefront::v1::Product::descriptor()
              ->file()
              ->FindServiceByName("Catalog")
              ->FindMethodByName("GetProduct");
}

const google::protobuf::MethodDescriptor& NotIdempotent() {
  return *demo::bookstore::v1::Shelf::descriptor()
              ->file()
              ->FindServiceByName("Bookstore")
              ->FindMethodByName("CreateShelf");
}

constexpr absl::Duration kTimeout = absl::Seconds(15);

config::v1::RetryPolicy Policy(int max_attempts, bool idempotent_only = false,
                               absl::Duration backoff = absl::ZeroDuration()) {
  config::v1::RetryPolicy policy;
  policy.set_max_attempts(max_attempts);
  policy.set_idempotent_only(idempotent_only);
  if (backoff > absl::ZeroDuration()) {
    policy.mutable_initial_backoff()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(backoff)));
  }
  return policy;
}

TEST(RetryOptionsForTest, IdempotentMethodsGetTwoAttemptsByDefault) {
  auto options = RetryOptionsFor(Idempotent(), nullptr, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 2);
  EXPECT_EQ(options->initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(options->default_timeout, kTimeout);
  EXPECT_FALSE(RetryOptionsFor(NotIdempotent(), nullptr, kTimeout).has_value());
}

TEST(RetryOptionsForTest, TheMethodSettingWinsOverTheDefaults) {
  config::v1::GatewayConfig config;
  *config.mutable_method_defaults()->mutable_retries() = Policy(3);
  config::v1::MethodSettings setting;
  setting.set_selector("demo");
  *setting.mutable_retries() = Policy(4, false, absl::Milliseconds(30));
  auto options = RetryOptionsFor(NotIdempotent(),
                                 RetryPolicyFor(config, &setting), kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 4);
  EXPECT_EQ(options->initial_backoff, absl::Milliseconds(30));
  // A setting without retries inherits the defaults.
  config::v1::MethodSettings timeout_only;
  timeout_only.set_selector("demo");
  timeout_only.mutable_timeout()->set_seconds(1);
  options = RetryOptionsFor(NotIdempotent(),
                            RetryPolicyFor(config, &timeout_only), kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 3);
  EXPECT_EQ(options->initial_backoff, absl::Milliseconds(100));
}

TEST(RetryOptionsForTest, IdempotentOnlyAppliesToIdempotentMethodsOnly) {
  config::v1::RetryPolicy policy = Policy(3, true);
  EXPECT_FALSE(RetryOptionsFor(NotIdempotent(), &policy, kTimeout).has_value());
  auto options = RetryOptionsFor(Idempotent(), &policy, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 3);
}

TEST(RetryOptionsForTest, OneAttemptSwitchesRetriesOff) {
  config::v1::RetryPolicy off = Policy(1);
  EXPECT_FALSE(RetryOptionsFor(Idempotent(), &off, kTimeout).has_value());
}

TEST(RouteRetriesTest, WrapsOncePerBackendAndPolicy) {
  struct NullChannel : upstream::Channel {
    void Call(upstream::CallRequest, upstream::CallCallback) override {}
  } a, b;
  RouteRetries retries({});
  upstream::RetryOptions two{.max_attempts = 2};
  upstream::RetryOptions three{.max_attempts = 3};
  EXPECT_EQ(retries.Wrap(&a, std::nullopt), &a);
  EXPECT_EQ(retries.Wrap(nullptr, two), nullptr);
  upstream::Channel* a2 = retries.Wrap(&a, two);
  EXPECT_NE(a2, &a);
  EXPECT_EQ(retries.Wrap(&a, two), a2);
  EXPECT_NE(retries.Wrap(&a, three), a2);
  EXPECT_NE(retries.Wrap(&b, two), a2);
  auto* wrapped = dynamic_cast<upstream::RetryingChannel*>(a2);
  ASSERT_NE(wrapped, nullptr);
  EXPECT_EQ(&wrapped->inner(), &a);
  EXPECT_EQ(wrapped->options().max_attempts, 2);
}

}  // namespace
}  // namespace protogate::proxy
