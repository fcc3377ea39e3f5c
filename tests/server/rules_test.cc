// Header rules, request ids, retries and 502s through the real gateway:
// an http::Server on 127.0.0.1:0 in front of a scripted gRPC backend
// (tests/testing/grpc/scripted_backend.h) serving the test services of
// testdata/rules_test.proto, or a raw HTTP/2 backend for malformed answers.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/server.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/server/gateway.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/server/serve_gateway.h"
#include "tests/server/snapshot_config.h"
#include "tests/testing/child_process.h"
#include "tests/testing/grpc/raw_h2_server.h"
#include "tests/testing/grpc/scripted_backend.h"
#include "tests/testing/http_client.h"

namespace protogate::server {

using proxy::Snapshot;
using proxy::SnapshotOptions;
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;

constexpr char kGetThing[] = "/protogate.test.rules.v1.Things/GetThing";
constexpr char kCreateThing[] = "/protogate.test.rules.v1.Things/CreateThing";

// protogate.test.rules.v1.Thing{id, name} on the wire (short strings).
std::string ThingBytes(const std::string& id, const std::string& name) {
  return absl::StrCat("\x0a", std::string(1, static_cast<char>(id.size())), id,
                      "\x12", std::string(1, static_cast<char>(name.size())),
                      name);
}

const testing::ScriptedReply kThing{.payload = ThingBytes("1", "one")};
const testing::ScriptedReply kUnavailable{.code = grpc::StatusCode::UNAVAILABLE,
                                          .message = "try again"};

bool IsHex32(const std::string& s) {
  return s.size() == 32 &&
         s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = testing::ScriptedBackend::Start();
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    backend_->SetDefault(kGetThing, kThing);
    backend_->SetDefault(kCreateThing, kThing);
  }

  // Starts the gateway over `target` (default: the scripted backend).
  void StartGateway(
      const std::function<void(SnapshotOptions&)>& customize = nullptr,
      std::string target = "",
      AdminEndpoints admin = AdminEndpoints::kPublicListener) {
    SnapshotOptions options = OptionsFor(
        testing::BinDir() + "/tests/server/rules_test.binpb",
        "protogate.test.rules", target.empty() ? backend_->address() : target,
        absl::Seconds(5));
    if (customize) customize(options);
    auto snapshot = Snapshot::Build(options);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    gateway_ =
        std::make_unique<Gateway>(*snapshot, GatewayOptions{.admin = admin});
    auto server = ServeGateway(*gateway_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    gateway_.reset();
  }

  testing::HttpResponse Call(absl::string_view method, absl::string_view target,
                             std::vector<std::string> headers = {},
                             absl::string_view body = "") {
    if (!body.empty()) headers.push_back("Content-Type: application/json");
    auto response = testing::Fetch(server_->port(), method, target, body,
                                   std::move(headers));
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : testing::HttpResponse{};
  }

  // The metadata of the last call the backend received.
  std::multimap<std::string, std::string> LastMetadata() {
    std::vector<testing::ReceivedCall> calls = backend_->received();
    EXPECT_FALSE(calls.empty());
    return calls.empty() ? std::multimap<std::string, std::string>{}
                         : calls.back().metadata;
  }

  static rapidjson::Document Json(const testing::HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
    EXPECT_FALSE(doc.HasParseError()) << response.body;
    return doc;
  }

  std::unique_ptr<testing::ScriptedBackend> backend_;
  std::unique_ptr<Gateway> gateway_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(RulesTest, ForwardsOnlyTheDefaultSafeSetByDefault) {
  StartGateway();
  testing::HttpResponse r =
      Call("GET", "/v1/things/1",
           {"Authorization: Bearer t", "Traceparent: 00-abc-def-01",
            "X-Custom-A: 1", "Cookie: c=1", "X-Forwarded-For: 10.0.0.1",
            "Te: trailers", "Connection: keep-alive"});
  ASSERT_EQ(r.status, 200) << r.body;
  auto md = LastMetadata();
  EXPECT_THAT(md, Contains(Pair("authorization", "Bearer t")));
  EXPECT_THAT(md, Contains(Pair("traceparent", "00-abc-def-01")));
  EXPECT_THAT(md, Contains(Pair("x-forwarded-for", "10.0.0.1, 127.0.0.1")));
  EXPECT_THAT(md, Not(Contains(Key("x-custom-a"))));
  EXPECT_THAT(md, Not(Contains(Key("cookie"))));
  // A generated request id, forwarded and returned.
  const std::string id = r.Header("x-request-id");
  EXPECT_TRUE(IsHex32(id)) << id;
  EXPECT_THAT(md, Contains(Pair("x-request-id", id)));
}

TEST_F(RulesTest, ForwardsConfiguredNamesAndPrefixesButNeverForbiddenOnes) {
  StartGateway([](SnapshotOptions& o) {
    o.config.mutable_headers()->add_forward("X-Tenant");
    o.config.mutable_headers()->add_forward_prefixes("x-custom-");
    o.config.mutable_headers()->add_internal("authorization");
  });
  testing::HttpResponse r = Call(
      "GET", "/v1/things/1",
      {"X-Tenant: acme", "X-Custom-A: 1",
       "X-Custom-Blob-Bin: " + absl::Base64Escape(std::string("\0\x01\xff", 3)),
       "X-Custom-Url-Bin: _-8", "Authorization: Bearer secret",
       "Connection: keep-alive, x-custom-hop", "X-Custom-Hop: 1",
       "Grpc-Custom: 1"});
  ASSERT_EQ(r.status, 200) << r.body;
  auto md = LastMetadata();
  EXPECT_THAT(md, Contains(Pair("x-tenant", "acme")));
  EXPECT_THAT(md, Contains(Pair("x-custom-a", "1")));
  EXPECT_THAT(
      md, Contains(Pair("x-custom-blob-bin", std::string("\0\x01\xff", 3))));
  EXPECT_THAT(md, Contains(Pair("x-custom-url-bin", "\xff\xef")));
  EXPECT_THAT(md, Not(Contains(Key("authorization"))));  // internal
  EXPECT_THAT(md, Not(Contains(Key("x-custom-hop"))));   // Connection lists it
  EXPECT_THAT(md, Not(Contains(Pair("grpc-custom", "1"))));
}

TEST_F(RulesTest, BadBase64InABinHeaderIs400NamingIt) {
  StartGateway([](SnapshotOptions& o) {
    o.config.mutable_headers()->add_forward("x-sig-bin");
  });
  testing::HttpResponse r =
      Call("GET", "/v1/things/1", {"X-Sig-Bin: not*base64"});
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(Json(r)["message"].GetString(), HasSubstr("x-sig-bin"));
  EXPECT_EQ(backend_->calls(kGetThing), 0);
  EXPECT_TRUE(IsHex32(r.Header("x-request-id")));
}

TEST_F(RulesTest, RefusesRulesThatForwardForbiddenHeaders) {
  SnapshotOptions options =
      OptionsFor(testing::BinDir() + "/tests/server/rules_test.binpb",
                 "protogate.test.rules", backend_->address());
  options.config.mutable_headers()->add_forward("grpc-timeout");
  auto snapshot = Snapshot::Build(options);
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(std::string(snapshot.status().message()),
              HasSubstr("headers.forward[0]: \"grpc-timeout\" is never "
                        "forwarded"));
}

TEST_F(RulesTest, KeepsAValidClientRequestIdAndReplacesAnInvalidOne) {
  StartGateway();
  testing::HttpResponse r =
      Call("GET", "/v1/things/1", {"X-Request-Id: abc-123 X"});
  EXPECT_EQ(r.Header("x-request-id"), "abc-123 X");
  EXPECT_THAT(LastMetadata(), Contains(Pair("x-request-id", "abc-123 X")));

  r = Call("GET", "/v1/things/1", {"X-Request-Id: " + std::string(129, 'a')});
  EXPECT_TRUE(IsHex32(r.Header("x-request-id"))) << r.Header("x-request-id");
  EXPECT_THAT(LastMetadata(),
              Contains(Pair("x-request-id", r.Header("x-request-id"))));

  // Every response has one: gateway errors and admin endpoints too.
  r = Call("GET", "/nothing/here", {"X-Request-Id: e-1"});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("x-request-id"), "e-1");
  EXPECT_TRUE(IsHex32(Call("GET", "/-/healthz").Header("x-request-id")));
  // Two requests never share a generated id.
  EXPECT_NE(Call("GET", "/v1/things/1").Header("x-request-id"),
            Call("GET", "/v1/things/1").Header("x-request-id"));
}

TEST_F(RulesTest, CopiesBackendMetadataByRuleOnSuccessAndError) {
  StartGateway([](SnapshotOptions& o) {
    config::v1::HeadersConfig& headers = *o.config.mutable_headers();
    auto* prefix = headers.add_forward_response();
    prefix->set_prefix("x-backend-");
    prefix->set_rename("x-upstream-");
    headers.add_forward_response()->set_name("x-trace-bin");
    auto* set = headers.add_response();
    set->set_name("x-static");
    set->set_set("v");
  });
  testing::ScriptedReply reply = kThing;
  reply.initial_metadata = {{"x-backend-zone", "a"},
                            {"x-secret", "s"},
                            {"x-trace-bin", std::string("\x01\x02", 2)}};
  reply.trailing_metadata = {{"x-backend-cost", "3"}};
  backend_->Push(kGetThing, reply);
  testing::HttpResponse r = Call("GET", "/v1/things/1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("x-upstream-zone"), "a");
  EXPECT_EQ(r.Header("x-upstream-cost"), "3");
  EXPECT_EQ(r.Header("x-trace-bin"), "AQI=");
  EXPECT_EQ(r.Header("x-secret"), "");
  EXPECT_EQ(r.Header("x-backend-zone"), "");
  EXPECT_EQ(r.Header("x-static"), "v");

  backend_->Push(kGetThing, {.code = grpc::StatusCode::NOT_FOUND,
                             .message = "no thing",
                             .trailing_metadata = {{"x-backend-why", "gone"}}});
  r = Call("GET", "/v1/things/2");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Header("x-upstream-why"), "gone");
  EXPECT_EQ(r.Header("x-static"), "v");
}

TEST_F(RulesTest, PlanRunsGetTheSameRequestMetadata) {
  StartGateway([](SnapshotOptions& o) {
    o.config.mutable_headers()->add_forward("x-tenant");
  });
  testing::HttpResponse r = Call(
      "GET", "/v1/thing-pages/7",
      {"X-Tenant: acme", "X-Request-Id: plan-1", "Authorization: Bearer p"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(Json(r)["tenant"].GetString(), "acme");
  EXPECT_EQ(r.Header("x-request-id"), "plan-1");
  auto md = LastMetadata();
  EXPECT_THAT(md, Contains(Pair("x-tenant", "acme")));
  EXPECT_THAT(md, Contains(Pair("x-request-id", "plan-1")));
  EXPECT_THAT(md, Contains(Pair("authorization", "Bearer p")));
}

TEST_F(RulesTest, PlanRunsDoNotSeeHeadersTheRulesDoNotForward) {
  StartGateway();
  testing::HttpResponse r = Call("GET", "/v1/thing-pages/7", {"X-Tenant: a"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(Json(r).HasMember("tenant")) << r.body;
  EXPECT_THAT(LastMetadata(), Not(Contains(Key("x-tenant"))));
}

TEST_F(RulesTest, IdempotentMethodIsRetriedOnUnavailable) {
  StartGateway();
  backend_->Push(kGetThing, kUnavailable);
  testing::HttpResponse r = Call("GET", "/v1/things/1");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(backend_->calls(kGetThing), 2);
}

TEST_F(RulesTest, NonIdempotentMethodIsNotRetriedByDefault) {
  StartGateway();
  backend_->Push(kCreateThing, kUnavailable);
  testing::HttpResponse r = Call("POST", "/v1/things", {}, R"({"id":"1"})");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(backend_->calls(kCreateThing), 1);
}

TEST_F(RulesTest, ConfiguredRetriesApplyUnlessIdempotentOnly) {
  StartGateway([](SnapshotOptions& o) {
    MergeYaml(o.config, R"(
methods:
  - selector: protogate.test.rules.v1.Things.CreateThing
    retries: {max_attempts: 3, initial_backoff: 0.01s}
  - selector: protogate.test.rules.v1.Things.GetThing
    retries: {max_attempts: 4, idempotent_only: true, initial_backoff: 0.01s}
)");
  });
  backend_->Push(kCreateThing, kUnavailable, 2);
  EXPECT_EQ(Call("POST", "/v1/things", {}, R"({"id":"1"})").status, 200);
  EXPECT_EQ(backend_->calls(kCreateThing), 3);
  backend_->Push(kGetThing, kUnavailable, 4);
  EXPECT_EQ(Call("GET", "/v1/things/1").status, 503);
  EXPECT_EQ(backend_->calls(kGetThing), 4);
}

TEST_F(RulesTest, IdempotentOnlyPolicyDoesNotRetryOtherMethods) {
  StartGateway([](SnapshotOptions& o) {
    MergeYaml(o.config, R"(
method_defaults:
  retries: {max_attempts: 3, idempotent_only: true, initial_backoff: 0.01s}
)");
  });
  backend_->Push(kCreateThing, kUnavailable);
  EXPECT_EQ(Call("POST", "/v1/things", {}, R"({"id":"1"})").status, 503);
  EXPECT_EQ(backend_->calls(kCreateThing), 1);
}

TEST_F(RulesTest, SpentRetryBudgetStopsRetries) {
  StartGateway([](SnapshotOptions& o) {
    // Deposits too small to matter within the test: one token in all.
    MergeYaml(o.config, R"(
retry_budget: {ratio: 0.000000001, min_per_second: 0.000000001, max_tokens: 1}
)");
  });
  backend_->SetDefault(kGetThing, kUnavailable);
  EXPECT_EQ(Call("GET", "/v1/things/1").status, 503);
  EXPECT_EQ(backend_->calls(kGetThing), 2);  // The one token.
  EXPECT_EQ(Call("GET", "/v1/things/1").status, 503);
  EXPECT_EQ(backend_->calls(kGetThing), 3);  // No retry left.
}

TEST_F(RulesTest, UndecodableResponseMessageIs502) {
  StartGateway();
  backend_->Push(kGetThing, {.payload = "\x0a\x05"
                                        "ab"});  // Truncated field.
  testing::HttpResponse r = Call("GET", "/v1/things/1");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body,
            R"({"code":13,"message":"upstream response was malformed: not a )"
            R"(valid protogate.test.rules.v1.Thing","details":[]})");
}

TEST_F(RulesTest, ResponseWithoutGrpcStatusIs502AndNotRetried) {
  auto raw = testing::RawH2Server::Start({.message = ThingBytes("1", "x")});
  ASSERT_TRUE(raw.ok()) << raw.status();
  StartGateway(nullptr, (*raw)->address());
  testing::HttpResponse r = Call("GET", "/v1/things/1");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"code":13,"message":"upstream response was malformed","details":[]})");
  EXPECT_EQ((*raw)->requests(), 1);
  TearDown();  // Before the raw server goes away.
}

TEST_F(RulesTest, Non200HttpStatusIs502) {
  auto raw =
      testing::RawH2Server::Start({.http_status = 503,
                                   .headers = {{"content-type", "text/plain"}},
                                   .send_message = false});
  ASSERT_TRUE(raw.ok()) << raw.status();
  StartGateway(nullptr, (*raw)->address());
  testing::HttpResponse r = Call("GET", "/v1/things/1");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(Json(r)["message"].GetString(),
            std::string("upstream response was malformed"));
  EXPECT_EQ((*raw)->requests(), 1);  // UNAVAILABLE from gRPC, not retried.
  TearDown();
}

TEST_F(RulesTest, SeparateAdminListenerServesTheAdminEndpointsOnly) {
  StartGateway(nullptr, "", AdminEndpoints::kSeparateListener);
  auto admin = http::Server::Start(
      {}, [gateway = gateway_.get()](const http::Request& request,
                                     http::Responder responder) {
        gateway->HandleAdmin(request, std::move(responder));
      });
  ASSERT_TRUE(admin.ok()) << admin.status();
  // Not on the public listener...
  testing::HttpResponse r = Call("GET", "/-/healthz");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Call("GET", "/-/routes").status, 404);
  EXPECT_EQ(Call("GET", "/v1/things/1").status, 200);
  // ...but on the admin one, which serves nothing else.
  auto a = testing::Fetch((*admin)->port(), "GET", "/-/healthz");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, R"({"status":"SERVING"})");
  a = testing::Fetch((*admin)->port(), "GET", "/-/routes");
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->body, HasSubstr("/v1/things/{id}"));
  a = testing::Fetch((*admin)->port(), "GET", "/v1/things/1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->status, 404);
  EXPECT_EQ(backend_->calls(kGetThing), 1);
  (*admin)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace protogate::server
