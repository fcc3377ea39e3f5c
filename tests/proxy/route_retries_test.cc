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

TEST(RetryOptionsForTest, IdempotentMethodsGetTwoAttemptsByDefault) {
  auto options = RetryOptionsFor(Idempotent(), nullptr, std::nullopt, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 2);
  EXPECT_EQ(options->initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(options->default_timeout, kTimeout);
  EXPECT_FALSE(RetryOptionsFor(NotIdempotent(), nullptr, std::nullopt, kTimeout)
                   .has_value());
}

TEST(RetryOptionsForTest, TheMethodSettingWinsOverTheDefaults) {
  MethodSetting setting{
      .selector = "demo",
      .retries = RetrySetting{.max_attempts = 4,
                              .initial_backoff = absl::Milliseconds(30)}};
  RetrySetting defaults{.max_attempts = 3};
  auto options = RetryOptionsFor(NotIdempotent(), &setting, defaults, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 4);
  EXPECT_EQ(options->initial_backoff, absl::Milliseconds(30));
  // A setting without retries inherits the defaults.
  MethodSetting timeout_only{.selector = "demo", .timeout = absl::Seconds(1)};
  options = RetryOptionsFor(NotIdempotent(), &timeout_only, defaults, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 3);
}

TEST(RetryOptionsForTest, IdempotentOnlyAppliesToIdempotentMethodsOnly) {
  RetrySetting policy{.max_attempts = 3, .idempotent_only = true};
  EXPECT_FALSE(
      RetryOptionsFor(NotIdempotent(), nullptr, policy, kTimeout).has_value());
  auto options = RetryOptionsFor(Idempotent(), nullptr, policy, kTimeout);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->max_attempts, 3);
}

TEST(RetryOptionsForTest, OneAttemptSwitchesRetriesOff) {
  RetrySetting off{.max_attempts = 1};
  EXPECT_FALSE(
      RetryOptionsFor(Idempotent(), nullptr, off, kTimeout).has_value());
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
