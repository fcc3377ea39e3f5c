#include "gateway/transcoding/status_json.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using testing::Codecs;
using testing::JsonEquals;

TEST(HttpStatusFromCodeTest, FollowsTheGoogleRpcMapping) {
  using C = absl::StatusCode;
  const std::pair<C, int> table[] = {
      {C::kOk, 200},
      {C::kCancelled, 499},
      {C::kUnknown, 500},
      {C::kInvalidArgument, 400},
      {C::kDeadlineExceeded, 504},
      {C::kNotFound, 404},
      {C::kAlreadyExists, 409},
      {C::kPermissionDenied, 403},
      {C::kResourceExhausted, 429},
      {C::kFailedPrecondition, 400},
      {C::kAborted, 409},
      {C::kOutOfRange, 400},
      {C::kUnimplemented, 501},
      {C::kInternal, 500},
      {C::kUnavailable, 503},
      {C::kDataLoss, 500},
      {C::kUnauthenticated, 401},
      {static_cast<C>(99), 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFromCode(code), http) << static_cast<int>(code);
  }
}

TEST(StatusToJsonTest, EscapesTheMessage) {
  EXPECT_EQ(StatusToJson(absl::StatusCode::kInvalidArgument,
                         "field \"a\\b\"\n\x01 \xc3\xa9"),
            "{\"code\":3,\"message\":\"field \\\"a\\\\b\\\"\\n\\u0001 "
            "\xc3\xa9\",\"details\":[]}");
  // 0x1A..0x1F in a 16-byte run (RapidJSON 1.1.0's SSE2 scan misses them).
  EXPECT_EQ(StatusToJson(absl::StatusCode::kInternal,
                         "0123456789abcdef\x1e\x1f"
                         "0123456789abcdef"),
            R"({"code":13,"message":"0123456789abcdef\u001E\u001F)"
            R"(0123456789abcdef","details":[]})");
  EXPECT_EQ(StatusToJson(absl::StatusCode::kNotFound, ""),
            R"({"code":5,"message":"","details":[]})");
  // Invalid UTF-8 never reaches the client as such.
  const std::string json =
      StatusToJson(absl::StatusCode::kInternal, "bad \xff");
  EXPECT_TRUE(absl::StrContains(json, R"("code":13)")) << json;
  EXPECT_EQ(json.find('\xff'), std::string::npos);
}

TEST(StatusWireToJsonTest, KnownAndUnknownDetails) {
  google::rpc::Status status;
  status.set_code(3);
  status.set_message("bad \"x\"");
  google::rpc::BadRequest bad;
  auto* violation = bad.add_field_violations();
  violation->set_field("book.id");
  violation->set_description("must be positive");
  status.add_details()->PackFrom(bad);
  google::protobuf::Duration retry;
  retry.set_seconds(2);
  status.add_details()->PackFrom(retry);
  auto* unknown = status.add_details();
  unknown->set_type_url("type.googleapis.com/acme.Secret");
  unknown->set_value("\x01\x02");

  absl::StatusOr<std::string> json =
      StatusWireToJson(Codecs(), status.SerializeAsString());
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(JsonEquals(*json, R"({"code":3,"message":"bad \"x\"","details":[
      {"@type":"type.googleapis.com/google.rpc.BadRequest",
       "fieldViolations":[{"field":"book.id","description":"must be positive"}]},
      {"@type":"type.googleapis.com/google.protobuf.Duration","value":"2s"},
      {"@type":"type.googleapis.com/acme.Secret","value":"AQI="}]})"))
      << *json;
}

TEST(StatusWireToJsonTest, EmptyStatus) {
  absl::StatusOr<std::string> json = StatusWireToJson(Codecs(), "");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, R"({"code":0,"message":"","details":[]})");
}

TEST(StatusWireToJsonTest, InvalidWireIsInvalidArgument) {
  for (const std::string& wire :
       {std::string("\x08", 1),
        std::string("\x12\x05"
                    "ab",
                    4),
        std::string("\x12\x01\xff", 3), std::string("\x1a\x02\x0a\x05", 4)}) {
    EXPECT_EQ(StatusWireToJson(Codecs(), wire).status().code(),
              absl::StatusCode::kInvalidArgument)
        << ::testing::PrintToString(wire);
  }
}

}  // namespace
}  // namespace protogate::transcoding
