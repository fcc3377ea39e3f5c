#include "gateway/transcoding/json_sequence.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace protogate::transcoding {
namespace {

// The elements of a whole body, or {the error message}.
std::vector<std::string> Split(std::string_view body, SequenceFormat format,
                               size_t max_items = 100) {
  JsonSequenceSplitter splitter(format, max_items);
  splitter.Feed(body);
  splitter.Finish();
  std::vector<std::string> items;
  while (true) {
    absl::StatusOr<std::optional<std::string>> item = splitter.Next();
    if (!item.ok()) return {std::string(item.status().message())};
    if (!item->has_value()) return items;
    items.push_back(**std::move(item));
  }
}

std::string Error(std::string_view what, size_t offset) {
  return std::string("request body: ") + std::string(what) + " at byte " +
         std::to_string(offset) +
         " (a client stream is a JSON array of messages or NDJSON, one "
         "message a line)";
}

TEST(JsonSequenceTest, Arrays) {
  constexpr auto kArray = SequenceFormat::kJsonArray;
  EXPECT_EQ(Split("[]", kArray), std::vector<std::string>{});
  EXPECT_EQ(Split(" [ ] \n", kArray), std::vector<std::string>{});
  EXPECT_EQ(Split(R"([{"a":1}])", kArray),
            (std::vector<std::string>{R"({"a":1})"}));
  EXPECT_EQ(Split(R"( [ {"a":[1,2]} , {"b":"x,]}"}, 3 ,"s"] )", kArray),
            (std::vector<std::string>{R"({"a":[1,2]})", R"({"b":"x,]}"})", "3",
                                      R"("s")"}));
  EXPECT_EQ(Split(R"([{"q":"a\"],"}])", kArray),
            (std::vector<std::string>{R"({"q":"a\"],"})"}));
}

TEST(JsonSequenceTest, MalformedArrays) {
  constexpr auto kArray = SequenceFormat::kJsonArray;
  EXPECT_EQ(Split("", kArray)[0], Error("expected '['", 0));
  EXPECT_EQ(Split(R"({"a":1})", kArray)[0], Error("expected '['", 0));
  EXPECT_EQ(Split("[1,]", kArray)[0], Error("empty element", 3));
  EXPECT_EQ(Split("[,1]", kArray)[0], Error("empty element", 1));
  EXPECT_EQ(Split("[1", kArray)[0], Error("unterminated array", 2));
  EXPECT_EQ(Split("[1,", kArray)[0], Error("unterminated array", 3));
  EXPECT_EQ(Split("[1] x", kArray)[0],
            Error("unexpected text after the array", 4));
  EXPECT_EQ(Split("[] []", kArray)[0],
            Error("unexpected text after the array", 3));
  EXPECT_EQ(Split(R"([{"a":"x])", kArray)[0], Error("unterminated string", 9));
  EXPECT_EQ(Split(R"([{"a":[1}])", kArray)[0], Error("mismatched bracket", 8));
  EXPECT_EQ(Split(R"([{"a":1])", kArray)[0], Error("mismatched bracket", 7));
}

TEST(JsonSequenceTest, ItemLimit) {
  EXPECT_EQ(Split("[1,2,3]", SequenceFormat::kJsonArray, 3).size(), 3u);
  EXPECT_EQ(Split("[1,2,3,4]", SequenceFormat::kJsonArray, 3)[0],
            "request body: more than 3 messages in the client stream");
  EXPECT_EQ(Split("1\n2\n3\n4\n", SequenceFormat::kNdjson, 3)[0],
            "request body: more than 3 messages in the client stream");
}

TEST(JsonSequenceTest, Ndjson) {
  constexpr auto kLines = SequenceFormat::kNdjson;
  EXPECT_EQ(Split("", kLines), std::vector<std::string>{});
  EXPECT_EQ(Split("\n \r\n", kLines), std::vector<std::string>{});
  EXPECT_EQ(Split("{\"a\":1}\r\n\n  {\"b\":[1,2]}  \n7", kLines),
            (std::vector<std::string>{R"({"a":1})", R"({"b":[1,2]})", "7"}));
  EXPECT_EQ(Split("{\"a\":1}\n{\"b\":", kLines)[0],
            Error("unterminated value", 13));
  EXPECT_EQ(Split("{\"a\":1}, {\"b\":2}\n", kLines)[0],
            Error("more than one value on a line", 7));
}

// The same bodies fed one byte at a time give the same elements and errors.
std::vector<std::string> SplitBytewise(std::string_view body,
                                       SequenceFormat format) {
  JsonSequenceSplitter splitter(format, 100);
  std::vector<std::string> out;
  auto drain = [&]() -> bool {
    while (true) {
      absl::StatusOr<std::optional<std::string>> item = splitter.Next();
      if (!item.ok()) {
        out = {std::string(item.status().message())};
        return false;
      }
      if (!item->has_value()) return true;
      out.push_back(**item);
    }
  };
  for (char c : body) {
    splitter.Feed(std::string_view(&c, 1));
    if (!drain()) return out;
  }
  splitter.Finish();
  drain();
  return out;
}

TEST(JsonSequenceTest, IncrementalFeedingMatchesWholeBodies) {
  const std::pair<std::string_view, SequenceFormat> bodies[] = {
      {R"( [ {"a":[1,2]} , {"b":"x,]}"}, 3 ,"s"] )",
       SequenceFormat::kJsonArray},
      {R"([{"q":"a\"],"}])", SequenceFormat::kJsonArray},
      {"[]", SequenceFormat::kJsonArray},
      {"[1,]", SequenceFormat::kJsonArray},
      {"[1] x", SequenceFormat::kJsonArray},
      {R"([{"a":"x])", SequenceFormat::kJsonArray},
      {R"([{"a":[1}])", SequenceFormat::kJsonArray},
      {"[1", SequenceFormat::kJsonArray},
      {"{\"a\":1}\r\n\n  {\"b\":[1,2]}  \n7", SequenceFormat::kNdjson},
      {"{\"a\":1}\n{\"b\":", SequenceFormat::kNdjson},
      {"{\"a\":1}, {\"b\":2}\n", SequenceFormat::kNdjson},
  };
  for (const auto& [body, format] : bodies) {
    EXPECT_EQ(SplitBytewise(body, format), Split(body, format)) << body;
  }
}

TEST(JsonSequenceTest, HoldsOnlyTheCurrentElement) {
  JsonSequenceSplitter splitter(SequenceFormat::kNdjson, 1000000);
  const std::string line =
      std::string(R"({"pad":")") + std::string(1000, 'x') + "\"}\n";
  size_t count = 0;
  for (int i = 0; i < 500; ++i) {  // 500 KB in all.
    splitter.Feed(line);
    while (true) {
      auto item = splitter.Next();
      ASSERT_TRUE(item.ok()) << item.status();
      if (!item->has_value()) break;
      ++count;
    }
  }
  EXPECT_EQ(count, 500u);
}

}  // namespace
}  // namespace protogate::transcoding
