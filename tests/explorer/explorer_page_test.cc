#include "gateway/explorer/explorer_page.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace protogate::explorer {
namespace {

using ::testing::HasSubstr;

http::Request MakeRequest(std::string method, std::string target,
                          std::string body = "") {
  return http::Request(std::move(method), std::move(target), {},
                       std::move(body), "127.0.0.1");
}

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

bool NoPlans(std::string_view) { return false; }

TEST(ExplorerPageTest, RecognisesItsPaths) {
  EXPECT_TRUE(IsExplorerPath("/-/explorer"));
  EXPECT_TRUE(IsExplorerPath("/-/explorer/"));
  EXPECT_TRUE(IsExplorerPath("/-/explorer/explorer.js"));
  EXPECT_FALSE(IsExplorerPath("/-/explorers"));
  EXPECT_FALSE(IsExplorerPath("/-/routes"));
}

TEST(ExplorerPageTest, ServesThePageWithOnlyLocalAssets) {
  for (const char* target : {"/-/explorer", "/-/explorer/"}) {
    http::Response r = ExplorerResponse(MakeRequest("GET", target), NoPlans);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_THAT(r.body, HasSubstr(R"(src="/-/explorer/explorer.js")"));
    EXPECT_THAT(r.body, ::testing::Not(HasSubstr("https://")));
    EXPECT_THAT(HeaderOf(r, "Content-Security-Policy"),
                HasSubstr("default-src 'self'"));
  }
  http::Response js =
      ExplorerResponse(MakeRequest("GET", "/-/explorer/explorer.js"), NoPlans);
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(HeaderOf(js, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(js.body, HasSubstr("function drawPlan"));
  http::Response css =
      ExplorerResponse(MakeRequest("GET", "/-/explorer/explorer.css"), NoPlans);
  EXPECT_EQ(HeaderOf(css, "Content-Type"), "text/css; charset=utf-8");
}

TEST(ExplorerPageTest, UnknownFilesAre404AndOtherMethods405) {
  http::Response missing =
      ExplorerResponse(MakeRequest("GET", "/-/explorer/nope.js"), NoPlans);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"code":5,"message":"no explorer file /-/explorer/nope.js",)"
            R"("details":[]})");
  http::Response put =
      ExplorerResponse(MakeRequest("PUT", "/-/explorer"), NoPlans);
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(HeaderOf(put, "Allow"), "GET");
  http::Response get_plans =
      ExplorerResponse(MakeRequest("GET", "/-/explorer/plans"), NoPlans);
  EXPECT_EQ(get_plans.status, 405);
  EXPECT_EQ(HeaderOf(get_plans, "Allow"), "POST");
}

// The client's path in an error message is escaped, even the bytes
// 0x1A..0x1F RapidJSON 1.1.0's SSE2 scan misses (base/json_control_bytes.h).
TEST(ExplorerPageTest, ErrorMessageEscapesControlBytesOfThePath) {
  http::Response missing = ExplorerResponse(
      MakeRequest("GET", "/-/explorer/0123456789abcdef\x1b\x1f.js"), NoPlans);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body,
            R"({"code":5,"message":"no explorer file )"
            R"(/-/explorer/0123456789abcdef\u001B\u001F.js","details":[]})");
}

TEST(ExplorerPageTest, PlansAnswersWhichMethodsHaveAPlan) {
  std::vector<std::string> asked;
  http::Response r = ExplorerResponse(
      MakeRequest("POST", "/-/explorer/plans",
                  R"({"methods":["a.S.Plan","a.S.Direct","b.T.Plan"]})"),
      [&](std::string_view m) {
        asked.emplace_back(m);
        return m.ends_with(".Plan");
      });
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"plans":["a.S.Plan","b.T.Plan"]})");
  EXPECT_EQ(asked.size(), 3u);
}

TEST(ExplorerPageTest, PlansRejectsABodyThatIsNotAMethodList) {
  for (const char* body :
       {"", "[]", R"({"methods":"x"})", R"({"methods":[1]})"}) {
    http::Response r = ExplorerResponse(
        MakeRequest("POST", "/-/explorer/plans", body), NoPlans);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_THAT(r.body, HasSubstr(R"("code":3,"message":"field \"methods\")"))
        << body;
  }
}

}  // namespace
}  // namespace protogate::explorer
