// RateKey and ClientAddress: what each `key` form reads from a request.
#include "gateway/ratelimit/rate_key.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace protogate::ratelimit {
namespace {

http::Request MakeRequest(std::vector<http::Request::Header> headers,
                          std::string peer = "10.0.0.9:4000") {
  return http::Request("GET", "/v1/x", std::move(headers), "", std::move(peer));
}

TEST(ClientAddressTest, ZeroTrustedHopsIsTheSocketPeerWhateverTheHeader) {
  EXPECT_EQ(ClientAddress(MakeRequest({{"X-Forwarded-For", "1.1.1.1"}}), 0),
            "10.0.0.9");
  EXPECT_EQ(ClientAddress(MakeRequest({}, "[::1]:80"), 0), "::1");
}

TEST(ClientAddressTest, TrustedHopsCountFromTheRight) {
  http::Request r = MakeRequest({{"X-Forwarded-For", "6.6.6.6, 1.1.1.1"},
                                 {"x-forwarded-for", "2.2.2.2"}});
  EXPECT_EQ(ClientAddress(r, 1), "2.2.2.2");
  EXPECT_EQ(ClientAddress(r, 2), "1.1.1.1");
  EXPECT_EQ(ClientAddress(r, 3), "6.6.6.6");
}

TEST(ClientAddressTest, FewerEntriesThanTrustedHopsIsNotTrusted) {
  // A client that talks to the gateway directly and forges one entry must
  // not choose its own key.
  EXPECT_EQ(ClientAddress(MakeRequest({{"X-Forwarded-For", "6.6.6.6"}}), 2),
            "10.0.0.9");
  EXPECT_EQ(ClientAddress(MakeRequest({}), 1), "10.0.0.9");
}

TEST(RateKeyTest, ReadsHeadersClaimsAndApiKeys) {
  http::Request request = MakeRequest({{"X-Tenant", "t1"}});
  policy::Exchange exchange(request, "id", {});
  auto tenant = RateKey::Parse("header:X-Tenant", 0);
  auto sub = RateKey::Parse("jwt_claim:sub", 0);
  auto api = RateKey::Parse("api_key", 0);
  auto none = RateKey::Parse("", 0);
  ASSERT_TRUE(tenant.ok() && sub.ok() && api.ok() && none.ok());
  EXPECT_EQ(tenant->Extract(exchange), "t1");
  EXPECT_EQ(sub->Extract(exchange), "");  // Anonymous: the "" bucket.
  EXPECT_EQ(api->Extract(exchange), "");
  EXPECT_EQ(none->Extract(exchange), "");
  exchange.identity().kind = policy::Identity::Kind::kJwt;
  exchange.identity().claims = {{"sub", "alice"}};
  EXPECT_EQ(sub->Extract(exchange), "alice");
  exchange.identity() = {};
  exchange.identity().kind = policy::Identity::Kind::kApiKey;
  exchange.identity().credential_name = "partner-a";
  EXPECT_EQ(api->Extract(exchange), "partner-a");
  EXPECT_EQ(sub->Extract(exchange), "");
}

TEST(RateKeyTest, RefusesUnknownForms) {
  auto key = RateKey::Parse("cookie:x", 0);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find("cookie:x"), absl::string_view::npos);
}

}  // namespace
}  // namespace protogate::ratelimit
