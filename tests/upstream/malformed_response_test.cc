// Backends whose answer is not a valid gRPC response (served by a raw
// HTTP/2 server, tests/testing/grpc/raw_h2_server.h): the call fails with
// CallResult::malformed_response set, never as a plain INTERNAL/UNKNOWN/
// UNAVAILABLE from the backend. Valid responses from the same server are
// not flagged.
#include <memory>
#include <string>
#include <vector>

#include "demo/bookstore.pb.h"
#include "gateway/upstream/upstreams.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/backends_config.h"
#include "tests/testing/grpc/raw_h2_server.h"
#include "tests/upstream/upstream_test_util.h"

namespace protogate::upstream::testing {
namespace {

namespace pb = ::demo::bookstore::v1;
using ::protogate::testing::RawH2Response;
using ::protogate::testing::RawH2Server;

std::string ShelfBytes() {
  pb::Shelf shelf;
  shelf.set_id(1);
  shelf.set_theme("Fiction");
  return shelf.SerializeAsString();
}

// Through a cluster, i.e. protogate's own HTTP/2 client; as a unary call,
// or as a server-streaming call (its messages dropped).
CallResult CallRaw(const RawH2Response& response, bool stream = false) {
  auto server = RawH2Server::Start(response);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return {};
  auto upstreams = Upstreams::Create(
      ::protogate::testing::BackendsConfig(
          {{.service = "demo.bookstore", .target = (*server)->address()}}),
      {});
  EXPECT_TRUE(upstreams.ok()) << upstreams.status();
  if (!upstreams.ok()) return {};
  pb::GetShelfRequest request;
  request.set_shelf(1);
  Channel& channel = *(*upstreams)->Resolve("demo.bookstore.v1.Bookstore");
  CallResult result =
      stream
          ? StreamAndWait(channel,
                          {.method = BookstoreMethod("StreamBooks"),
                           .messages = {request.SerializeAsString()},
                           .deadline = absl::Now() + absl::Seconds(10)})
                .result
          : CallAndWait(channel, {.method = BookstoreMethod("GetShelf"),
                                  .payload = request.SerializeAsString(),
                                  .deadline = absl::Now() + absl::Seconds(10)});
  EXPECT_GE((*server)->requests(), 1);
  return result;
}

struct Variant {
  std::string name;
  RawH2Response response;
};

class MalformedResponseTest : public ::testing::TestWithParam<Variant> {};

TEST_P(MalformedResponseTest, IsFlaggedMalformed) {
  CallResult result = CallRaw(GetParam().response);
  EXPECT_TRUE(result.malformed_response) << result.status;
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal) << result.status;
  EXPECT_THAT(std::string(result.status.message()),
              ::testing::StartsWith("malformed upstream response: "));
}

TEST_P(MalformedResponseTest, IsFlaggedMalformedOnAStream) {
  CallResult result = CallRaw(GetParam().response, /*stream=*/true);
  EXPECT_TRUE(result.malformed_response) << result.status;
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal) << result.status;
  EXPECT_THAT(std::string(result.status.message()),
              ::testing::StartsWith("malformed upstream response: "));
}

INSTANTIATE_TEST_SUITE_P(
    RawH2, MalformedResponseTest,
    ::testing::Values(
        // 200, a message, END_STREAM on the DATA frame: no trailers at all.
        Variant{"no_trailers", {.message = ShelfBytes()}},
        // Trailers without grpc-status.
        Variant{"trailers_without_grpc_status",
                {.message = ShelfBytes(), .trailers = {{"x-a", "b"}}}},
        // grpc-status that is not a number.
        Variant{"grpc_status_not_a_number",
                {.message = ShelfBytes(), .trailers = {{"grpc-status", "ok"}}}},
        Variant{"grpc_status_out_of_range",
                {.message = ShelfBytes(), .trailers = {{"grpc-status", "99"}}}},
        Variant{"grpc_status_negative",
                {.message = ShelfBytes(), .trailers = {{"grpc-status", "-1"}}}},
        // A headers-only answer with :status 200 and no grpc-status.
        Variant{"headers_only_without_grpc_status", {.send_message = false}},
        // A proxy's error page status instead of 200.
        Variant{"http_503",
                {.http_status = 503,
                 .headers = {{"content-type", "text/plain"}},
                 .send_message = false}},
        Variant{"http_500_with_grpc_trailers",
                {.http_status = 500,
                 .message = ShelfBytes(),
                 .trailers = {{"grpc-status", "0"}}}},
        Variant{"http_404",
                {.http_status = 404,
                 .headers = {{"content-type", "text/html"}},
                 .send_message = false}}),
    [](const auto& info) { return info.param.name; });

TEST(RawH2BackendTest, ValidResponseIsNotFlagged) {
  CallResult result =
      CallRaw({.message = ShelfBytes(), .trailers = {{"grpc-status", "0"}}});
  ASSERT_TRUE(result.status.ok()) << result.status;
  EXPECT_FALSE(result.malformed_response);
  EXPECT_EQ(result.payload, ShelfBytes());
}

TEST(RawH2BackendTest, BackendStatusesAreNotFlagged) {
  for (const char* code : {"2", "13", "14"}) {
    CallResult result = CallRaw(
        {.send_message = false,
         .trailers = {{"grpc-status", code}, {"grpc-message", "backend"}}});
    EXPECT_EQ(std::to_string(static_cast<int>(result.status.code())), code);
    EXPECT_EQ(result.status.message(), "backend");
    EXPECT_FALSE(result.malformed_response) << result.status;
  }
}

// protogate's own HTTP/2 client reads grpc-status itself, so a genuine
// UNKNOWN without a message is the backend's status (500), unlike a
// non-numeric grpc-status (502, above).
TEST(RawH2BackendTest, UnknownWithoutMessageIsTheBackendsStatus) {
  CallResult result =
      CallRaw({.send_message = false, .trailers = {{"grpc-status", "2"}}});
  EXPECT_FALSE(result.malformed_response) << result.status;
  EXPECT_EQ(result.status, absl::UnknownError(""));
  result = CallRaw(
      {.send_message = false,
       .trailers = {{"grpc-status", "2"}, {"grpc-message", "it broke"}}});
  EXPECT_FALSE(result.malformed_response) << result.status;
  EXPECT_EQ(result.status, absl::UnknownError("it broke"));
}

// A backend that dies mid-call is unavailable (503), not malformed (502).
TEST(RawH2BackendTest, ConnectionDroppedMidCallIsNotFlagged) {
  CallResult result = CallRaw({.close_on_request = true});
  EXPECT_EQ(result.status.code(), absl::StatusCode::kUnavailable)
      << result.status;
  EXPECT_FALSE(result.malformed_response) << result.status;
}

TEST(RawH2BackendTest, OkWithoutAMessageIsFlagged) {
  CallResult result =
      CallRaw({.send_message = false, .trailers = {{"grpc-status", "0"}}});
  EXPECT_TRUE(result.malformed_response) << result.status;
  EXPECT_EQ(result.status.code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace protogate::upstream::testing
