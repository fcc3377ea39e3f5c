// HeaderRules on its own: requests built in memory, no network.
#include "gateway/policy/header_rules.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::policy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

http::Request MakeRequest(std::vector<http::Request::Header> headers,
                          std::string remote = "10.1.2.3:5555") {
  return http::Request("GET", "/x", std::move(headers), "", std::move(remote));
}

TEST(HeaderRulesTest, DefaultRulesForwardTheSafeSetInRequestOrder) {
  HeaderRules rules;
  auto md = rules.RequestMetadata(MakeRequest({{"TraceState", "a=1"},
                                               {"Cookie", "c"},
                                               {"Authorization", "Bearer x"},
                                               {"X-Forwarded-For", "1.1.1.1"}}),
                                  "id-1");
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_THAT(*md, ElementsAre(Pair("tracestate", "a=1"),
                               Pair("authorization", "Bearer x"),
                               Pair("x-request-id", "id-1"),
                               Pair("x-forwarded-for", "1.1.1.1, 10.1.2.3")));
}

TEST(HeaderRulesTest, GrpcRequestsForwardEveryHeaderButInternalOnes) {
  config::v1::HeadersConfig config;
  config.add_internal("x-secret");
  auto rules = HeaderRules::Create(config);
  ASSERT_TRUE(rules.ok()) << rules.status();
  auto md =
      rules->RequestMetadata(MakeRequest({{"Content-Type", "application/grpc"},
                                          {"X-Tenant", "t1"},
                                          {"X-Secret", "s"},
                                          {"grpc-timeout", "1S"},
                                          {"TE", "trailers"},
                                          {"Trace-Bin", "AQI="}}),
                             "id-1");
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_THAT(*md, ElementsAre(Pair("x-tenant", "t1"),
                               Pair("trace-bin", std::string("\x01\x02")),
                               Pair("x-request-id", "id-1"),
                               Pair("x-forwarded-for", "10.1.2.3")));
}

TEST(HeaderRulesTest, ForwardedForCarriesTheBareIpv6Address) {
  HeaderRules rules;
  auto md = rules.RequestMetadata(MakeRequest({}, "[::1]:8080"), "i");
  ASSERT_TRUE(md.ok());
  EXPECT_THAT(*md, ElementsAre(Pair("x-request-id", "i"),
                               Pair("x-forwarded-for", "::1")));
}

TEST(HeaderRulesTest, NonAsciiValueIs400NamingTheHeader) {
  HeaderRules rules;
  auto md = rules.RequestMetadata(
      MakeRequest({{"Authorization", "Bearer \xc3\xa9"}}), "i");
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(md.status().message()), HasSubstr("authorization"));
}

TEST(HeaderRulesTest, ResponseRulesSetAddAndRemoveThenTheRequestId) {
  config::v1::HeadersConfig config;
  auto* set = config.add_response();
  set->set_name("Cache-Control");
  set->set_set("no-store");
  auto* add = config.add_response();
  add->set_name("x-a");
  add->set_add("2");
  config.add_response()->set_name("x-gone");
  config.mutable_response(2)->set_remove(true);
  auto rules = HeaderRules::Create(config);
  ASSERT_TRUE(rules.ok()) << rules.status();
  http::Response response;
  response.headers = {{"cache-control", "max-age=60"},
                      {"x-a", "1"},
                      {"X-Gone", "v"},
                      {"x-request-id", "from-backend"}};
  rules->FinishResponse("req-9", response);
  EXPECT_THAT(response.headers,
              ElementsAre(Pair("x-a", "1"), Pair("Cache-Control", "no-store"),
                          Pair("x-a", "2"), Pair("X-Request-Id", "req-9")));
}

TEST(HeaderRulesTest, BackendMetadataFirstMatchingRuleWinsNeverForbidden) {
  config::v1::HeadersConfig config;
  config.add_forward_response()->set_name("x-b-exact");
  auto* prefix = config.add_forward_response();
  prefix->set_prefix("x-b-");
  prefix->set_rename("x-up-");
  auto rules = HeaderRules::Create(config);
  ASSERT_TRUE(rules.ok()) << rules.status();
  http::Response response;
  rules->AddBackendHeaders({{"x-b-exact", "1"}, {"content-type", "x"}},
                           {{"x-b-t", "2"}, {"x-other", "3"}}, response);
  EXPECT_THAT(response.headers,
              ElementsAre(Pair("x-b-exact", "1"), Pair("x-up-t", "2")));
}

TEST(HeaderRulesTest, RequestIdsAreKeptWhenValidAndUniqueWhenMade) {
  EXPECT_EQ(RequestIdFor(MakeRequest({{"X-Request-Id", "abc"}})), "abc");
  EXPECT_EQ(RequestIdFor(MakeRequest({{"X-Request-Id", std::string(128, 'x')}}))
                .size(),
            128u);
  for (std::string bad : {std::string(129, 'x'), std::string(""),
                          std::string("a\x01"), std::string("caf\xc3\xa9")}) {
    std::string id = RequestIdFor(MakeRequest({{"X-Request-Id", bad}}));
    EXPECT_EQ(id.size(), 32u) << bad;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  EXPECT_NE(RequestIdFor(MakeRequest({})), RequestIdFor(MakeRequest({})));
  // Every position of a made id is random: over 64 ids each of the 32
  // positions takes several digits (all 16 appear), none stays fixed.
  std::vector<std::set<char>> seen(32);
  for (int i = 0; i < 64; ++i) {
    const std::string id = RequestIdFor(MakeRequest({}));
    ASSERT_EQ(id.size(), 32u);
    for (size_t p = 0; p < id.size(); ++p) seen[p].insert(id[p]);
  }
  std::set<char> all;
  for (size_t p = 0; p < seen.size(); ++p) {
    EXPECT_GT(seen[p].size(), 4u) << p;
    all.insert(seen[p].begin(), seen[p].end());
  }
  EXPECT_EQ(all.size(), 16u);
}

}  // namespace
}  // namespace protogate::policy
