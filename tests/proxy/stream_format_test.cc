#include "gateway/proxy/stream_format.h"

#include "gtest/gtest.h"

namespace protogate::proxy {
namespace {

TEST(StreamFormatTest, Negotiation) {
  struct Case {
    const char* accept;
    StreamFormat format;
  } cases[] = {
      {"", StreamFormat::kJsonArray},
      {"*/*", StreamFormat::kJsonArray},
      {"text/html", StreamFormat::kJsonArray},
      {"application/x-ndjson", StreamFormat::kNdjson},
      {"application/jsonl", StreamFormat::kNdjson},
      {"Text/Event-Stream", StreamFormat::kSse},
      {"text/event-stream, application/x-ndjson", StreamFormat::kSse},
      {"application/json;q=0.2, application/x-ndjson;q=0.3",
       StreamFormat::kNdjson},
      {"text/event-stream;q=0, */*", StreamFormat::kJsonArray},
      {"application/x-ndjson;q=bogus", StreamFormat::kNdjson},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NegotiateStreamFormat(c.accept), c.format) << c.accept;
  }
}

}  // namespace
}  // namespace protogate::proxy
