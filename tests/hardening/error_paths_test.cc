// The error and introspection paths of the real `protogate` binary, once
// each, then a clean exit: streaming error frames (a backend failure after
// the first message) and an error before it, a plan whose OPTIONAL step
// cannot connect, a plan whose REQUIRED step fails, the plan explain endpoint,
// every admin endpoint on the public port, and the usual client errors. Every
// answer has its documented status and carries no address or file path of the
// deployment (issue 23); the exit code is 0 after SIGTERM.
//
// In the ASan build (tools/sanitize.sh address) the gateway runs with
// LeakSanitizer, which checks at that exit: a leak on any of these paths
// turns the exit code into 23 and its report is printed here.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/hardening/child_processes.h"
#include "tests/hardening/process_probe.h"
#include "tests/testing/http_client.h"

namespace protogate::hardening {
namespace {

using ::protogate::testing::ChildProcess;
using ::protogate::testing::Fetch;
using ::protogate::testing::HttpResponse;
using ::testing::HasSubstr;
using ::testing::Not;

class ErrorPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto books = StartDemoBackend("demo_bookstore", books_port_);
    ASSERT_TRUE(books.ok()) << books.status();
    books_ = *std::move(books);
    auto store = StartDemoBackend("demo_storefront", store_port_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    // Reviews (an OPTIONAL step of GetProductPage) on a port nothing
    // listens on.
    auto gw = ConfigGateway::Start(absl::StrCat(
        "descriptors: {descriptor_sets: [\"", testing::BinDir(),
        "/proto/demo.binpb\"]}\n"
        "clusters:\n"
        "  - {name: books, endpoints: [\"127.0.0.1:",
        books_port_,
        "\"]}\n"
        "  - {name: store, endpoints: [\"127.0.0.1:",
        store_port_,
        "\"]}\n"
        "  - {name: gone, endpoints: [\"127.0.0.1:1\"]}\n"
        "routes:\n"
        "  - {service: demo.bookstore, cluster: books}\n"
        "  - {service: demo.storefront, cluster: store}\n"
        "  - {service: demo.storefront.v1.Reviews, cluster: gone}\n"
        "headers: {forward_prefixes: [\"x-demo-\"]}\n"));
    ASSERT_TRUE(gw.ok()) << gw.status();
    gateway_ = *std::move(gw);
  }

  // GET `target`: its status is `status`, and its body names no backend
  // address and no file of the deployment.
  HttpResponse Get(const std::string& target, int status,
                   std::vector<std::string> headers = {}) {
    auto r = Fetch(gateway_->port(), "GET", target, "", std::move(headers));
    EXPECT_TRUE(r.ok()) << target << ": " << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, status) << target << ": " << r->body;
    ExpectNothingInternal(target, r->body);
    return *r;
  }
  void ExpectNothingInternal(const std::string& what, const std::string& body) {
    for (const std::string& secret :
         {std::string("127.0.0.1"), absl::StrCat(":", books_port_),
          absl::StrCat(":", store_port_), testing::BinDir(),
          std::string("/tmp/")}) {
      EXPECT_THAT(body, Not(HasSubstr(secret))) << what;
    }
  }

  int books_port_ = 0;
  int store_port_ = 0;
  std::unique_ptr<ChildProcess> books_;
  std::unique_ptr<ChildProcess> store_;
  std::unique_ptr<ConfigGateway> gateway_;
};

TEST_F(ErrorPathsTest, EachPathAnswersCleanlyAndTheExitIsClean) {
  // Streaming error frames: the backend fails after two messages, in each
  // stream format.
  for (const char* accept :
       {"application/json", "application/x-ndjson", "text/event-stream"}) {
    HttpResponse r = Get("/v1/shelves/1/books:stream?repeat=2&fail_after=2",
                         200, {absl::StrCat("Accept: ", accept)});
    EXPECT_FALSE(r.complete) << accept << ": a failed stream is cut short";
    EXPECT_THAT(r.body, HasSubstr(R"("code":)")) << accept;
  }
  // A stream that fails before its first message: an ordinary error, with
  // the generic message of a transport-level code.
  EXPECT_EQ(Get("/v1/shelves/1/books:stream", 503, {"x-demo-fail: 14"}).body,
            R"({"code":14,"message":"upstream unavailable","details":[]})");

  // Plans: an OPTIONAL step that cannot connect (200, the generic message in
  // `errors`), a REQUIRED one that fails (the backend's NOT_FOUND).
  HttpResponse page = Get("/v1/products/p1/page", 200);
  EXPECT_THAT(page.body,
              HasSubstr(R"(step \"reviews\": upstream unavailable)"));
  EXPECT_EQ(page.Header("x-partial-failures"), "reviews=UNAVAILABLE");
  Get("/v1/products/p1/card", 200);
  Get("/v1/products/unknown-id/page", 404);

  // Plan explain, and the other admin endpoints on the public port.
  const std::string plan =
      "/-/plans/demo.storefront.v1.Storefront.GetProductPage";
  EXPECT_THAT(Get(plan, 200).body, HasSubstr("reviews"));
  EXPECT_THAT(Get(plan + "?format=dot", 200).body, HasSubstr("digraph"));
  Get("/-/plans/demo.storefront.v1.Storefront.NoSuchPlan", 404);
  Get("/-/plans/no.such.Service.Method", 404);
  Get("/-/healthz", 200);
  Get("/-/readyz", 200);
  Get("/-/routes", 200);
  Get("/-/openapi.json", 200);
  Get("/-/metrics", 200);
  Get("/-/explorer", 200);
  Get("/-/no-such-endpoint", 404);

  // Client errors.
  Get("/v1/no/such/path", 404);
  Get("/v1/shelves/not-a-number", 400);
  auto r = Fetch(gateway_->port(), "POST", "/v1/shelves", "{not json");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400);
  ExpectNothingInternal("bad JSON", r->body);
  r = Fetch(gateway_->port(), "DELETE", "/v1/shelves");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);

  gateway_->process().Signal(SIGTERM);
  auto code = gateway_->process().Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << gateway_->process().ReadAllStderr(absl::Seconds(5));
}

}  // namespace
}  // namespace protogate::hardening
