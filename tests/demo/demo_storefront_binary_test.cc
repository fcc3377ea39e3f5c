// The demo_storefront binary: flags, the printed port, the switches, and a
// clean exit on SIGTERM.
#include <signal.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "demo/storefront.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace protogate::demo {
namespace {

namespace storefront_pb = ::demo::storefront::v1;
using ::protogate::testing::BinDir;
using ::protogate::testing::ChildProcess;
using ::testing::HasSubstr;

constexpr absl::Duration kTimeout = absl::Seconds(10);

std::string Binary() { return BinDir() + "/tools/demo/demo_storefront"; }

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + kTimeout));
  return context;
}

TEST(DemoStorefrontBinaryTest, ServesWithSwitchesAndStopsOnSigterm) {
  auto child =
      ChildProcess::Start({Binary(), "--listen", "127.0.0.1:0", "--fail",
                           "reviews", "--delay_ms", "pricing=1"});
  ASSERT_TRUE(child.ok()) << child.status();
  auto line = (*child)->ReadStdoutLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  ASSERT_TRUE(absl::StartsWith(*line, "listening on 127.0.0.1:")) << *line;
  const std::string target = line->substr(std::string("listening on ").size());
  auto channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());

  storefront_pb::ListReviewsRequest reviews_request;
  reviews_request.set_product_id("p1");
  storefront_pb::ListReviewsResponse reviews;
  grpc::Status s = storefront_pb::Reviews::NewStub(channel)->ListReviews(
      Context().get(), reviews_request, &reviews);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "demo failure requested by --fail reviews");

  storefront_pb::GetPriceRequest price_request;
  price_request.set_product_id("p1");
  storefront_pb::Price price;
  s = storefront_pb::Pricing::NewStub(channel)->GetPrice(Context().get(),
                                                         price_request, &price);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(price.amount().units(), 12);

  (*child)->Signal(SIGTERM);
  auto code = (*child)->Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(DemoStorefrontBinaryTest, HelpPrintsUsage) {
  auto child = ChildProcess::Start({Binary(), "--help"});
  ASSERT_TRUE(child.ok()) << child.status();
  auto line = (*child)->ReadStdoutLine(kTimeout);
  ASSERT_TRUE(line.ok()) << line.status();
  EXPECT_THAT(*line, HasSubstr("Usage: demo_storefront"));
  auto code = (*child)->Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
}

TEST(DemoStorefrontBinaryTest, BadFlagExitsWith2NamingIt) {
  auto child = ChildProcess::Start({Binary(), "--fail", "shipping"});
  ASSERT_TRUE(child.ok()) << child.status();
  auto code = (*child)->Wait(kTimeout);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 2);
  EXPECT_THAT((*child)->ReadAllStderr(kTimeout),
              HasSubstr("--fail \"shipping\": unknown service"));
}

}  // namespace
}  // namespace protogate::demo
