#include "gateway/grpcweb/text_codec.h"

#include <string>

#include "gtest/gtest.h"

namespace protogate::grpcweb {
namespace {

TEST(TextDecoderTest, DecodesConcatenatedPaddedChunksAtEverySplit) {
  // "a", "bc" and "def!" each encoded with its own padding.
  const std::string body =
      EncodeText("a") + EncodeText("bc") + "\r\n" + EncodeText("def!");
  ASSERT_EQ(body, "YQ==YmM=\r\nZGVmIQ==");
  for (size_t a = 0; a <= body.size(); ++a) {
    for (size_t b = a; b <= body.size(); ++b) {
      TextDecoder decoder;
      std::string out;
      ASSERT_TRUE(decoder.Append(body.substr(0, a), out).ok());
      ASSERT_TRUE(decoder.Append(body.substr(a, b - a), out).ok());
      ASSERT_TRUE(decoder.Append(body.substr(b), out).ok());
      ASSERT_TRUE(decoder.Finish().ok());
      EXPECT_EQ(out, "abcdef!") << a << " " << b;
    }
  }
}

TEST(TextDecoderTest, NonBase64ByteIsInvalidArgumentNamingTheOffset) {
  TextDecoder decoder;
  std::string out;
  absl::Status s = decoder.Append("YQ==Y*", out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "grpc-web-text body: not base64 at offset 5");
  EXPECT_EQ(decoder.Finish().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TextDecoderTest, MisplacedPaddingIsInvalidArgument) {
  TextDecoder decoder;
  std::string out;
  EXPECT_EQ(decoder.Append("Y=Q=", out).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TextDecoderTest, BodyEndingInsideAQuantumIsInvalidArgument) {
  TextDecoder decoder;
  std::string out;
  ASSERT_TRUE(decoder.Append("YQ==YW", out).ok());
  EXPECT_EQ(out, "a");
  EXPECT_EQ(decoder.Finish().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace protogate::grpcweb
