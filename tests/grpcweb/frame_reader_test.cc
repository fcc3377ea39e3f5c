#include "gateway/grpcweb/frame_reader.h"

#include <string>
#include <vector>

#include "gateway/grpcweb/protocol.h"
#include "gtest/gtest.h"

namespace protogate::grpcweb {
namespace {

TEST(FrameReaderTest, EverySplitOfTheBodyGivesTheSameMessages) {
  const std::string body =
      MessageFrame("first") + MessageFrame("") + MessageFrame("third!");
  for (size_t a = 0; a <= body.size(); ++a) {
    for (size_t b = a; b <= body.size(); ++b) {
      FrameReader reader({});
      std::vector<std::string> messages;
      ASSERT_TRUE(reader.Append(body.substr(0, a), messages).ok());
      ASSERT_TRUE(reader.Append(body.substr(a, b - a), messages).ok());
      ASSERT_TRUE(reader.Append(body.substr(b), messages).ok());
      ASSERT_TRUE(reader.Finish().ok()) << a << " " << b;
      EXPECT_EQ(messages, (std::vector<std::string>{"first", "", "third!"}));
      EXPECT_EQ(reader.count(), 3u);
    }
  }
}

TEST(FrameReaderTest, BodyEndingInsideAFrameIsInvalidArgument) {
  const std::string frame = MessageFrame("hello");
  for (size_t cut = 1; cut < frame.size(); ++cut) {
    FrameReader reader({});
    std::vector<std::string> messages;
    ASSERT_TRUE(reader.Append(frame.substr(0, cut), messages).ok());
    absl::Status end = reader.Finish();
    EXPECT_EQ(end.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(end.message(), "request body ends inside message frame 1");
  }
}

TEST(FrameReaderTest, MessageOverTheLimitIsResourceExhaustedNamingIt) {
  FrameReader reader({.max_message_bytes = 4});
  std::vector<std::string> messages;
  absl::Status s = reader.Append(MessageFrame("12345"), messages);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "request message of 5 bytes exceeds the limit of 4 bytes");
  EXPECT_TRUE(messages.empty());
  // The reader stays failed.
  EXPECT_EQ(reader.Append(MessageFrame("1"), messages).code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(FrameReaderTest, CompressedMessageIsUnimplemented) {
  FrameReader reader({});
  std::vector<std::string> messages;
  std::string frame = MessageFrame("x");
  frame[0] = 1;
  EXPECT_EQ(reader.Append(frame, messages).code(),
            absl::StatusCode::kUnimplemented);
}

TEST(FrameReaderTest, TrailerFrameFromAClientIsInvalidArgument) {
  FrameReader reader({});
  std::vector<std::string> messages;
  absl::Status s = reader.Append(TrailerFrame({}), messages);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "request frame 1: unexpected flags 0x80");
}

}  // namespace
}  // namespace protogate::grpcweb
