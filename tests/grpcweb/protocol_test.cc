#include "gateway/grpcweb/protocol.h"

#include <string>

#include "gtest/gtest.h"

namespace protogate::grpcweb {
namespace {

TEST(ProtocolTest, ContentTypesSelectTheProtocol) {
  EXPECT_EQ(ProtocolOf("application/grpc"), Protocol::kGrpc);
  EXPECT_EQ(ProtocolOf("application/grpc+proto"), Protocol::kGrpc);
  EXPECT_EQ(ProtocolOf("Application/GRPC-Web"), Protocol::kGrpcWeb);
  EXPECT_EQ(ProtocolOf("application/grpc-web+proto; charset=x"),
            Protocol::kGrpcWeb);
  EXPECT_EQ(ProtocolOf("application/grpc-web-text"), Protocol::kGrpcWebText);
  EXPECT_EQ(ProtocolOf("application/grpc-web-text+proto"),
            Protocol::kGrpcWebText);
  EXPECT_EQ(ProtocolOf("application/grpc+json"), Protocol::kNone);
  EXPECT_EQ(ProtocolOf("application/grpc-webx"), Protocol::kNone);
  EXPECT_EQ(ProtocolOf("application/json"), Protocol::kNone);
  EXPECT_EQ(ProtocolOf(""), Protocol::kNone);
  EXPECT_EQ(ResponseContentType("Application/grpc-web+proto ; x=y"),
            "application/grpc-web+proto");
}

TEST(ProtocolTest, MessageFrameHasFlagsAndBigEndianLength) {
  const std::string frame = MessageFrame(std::string(258, 'x'));
  ASSERT_EQ(frame.size(), 263u);
  EXPECT_EQ(frame.substr(0, 5), std::string("\0\0\0\x01\x02", 5));
}

TEST(ProtocolTest, TrailerFrameCarriesStatusEncodedMessageAndMetadata) {
  const std::string frame =
      TrailerFrame({.code = 5,
                    .message = "no book 7 \xc3\xa9 100%",
                    .metadata = {{"x-trace", "abc"}, {"k-bin", "\x01\x02"}}});
  const std::string block =
      "grpc-status:5\r\ngrpc-message:no book 7 %C3%A9 100%25\r\n"
      "x-trace:abc\r\nk-bin:AQI\r\n";
  EXPECT_EQ(frame, std::string("\x80\0\0\0", 4) +
                       static_cast<char>(block.size()) + block);
}

TEST(ProtocolTest, RequestHeadersBecomeMetadataWithoutTransportHeaders) {
  const Metadata metadata =
      MetadataOf({{":path", "/x"},
                  {"Content-Type", "application/grpc-web"},
                  {"X-Grpc-Web", "1"},
                  {"grpc-timeout", "1S"},
                  {"Authorization", "Bearer t"},
                  {"trace-bin", "AQI="},
                  {"bad-bin", "%%%"}});
  EXPECT_EQ(metadata, (Metadata{{"authorization", "Bearer t"},
                                {"trace-bin", "\x01\x02"}}));
}

TEST(ProtocolTest, HttpStatusesMapAsGrpcsTableSays) {
  EXPECT_EQ(CodeForHttpStatus(400), absl::StatusCode::kInternal);
  EXPECT_EQ(CodeForHttpStatus(401), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CodeForHttpStatus(403), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CodeForHttpStatus(404), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(CodeForHttpStatus(429), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(503), absl::StatusCode::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(500), absl::StatusCode::kUnknown);
}

}  // namespace
}  // namespace protogate::grpcweb
