#include "gateway/base/json_control_bytes.h"

#include <string>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace protogate::base {
namespace {

std::string WriteString(const std::string& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("v");
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Every control byte at every offset of a string longer than the SSE2
// scan's 16-byte run comes out escaped and parses back to the same string.
TEST(EscapeRawControlBytesTest, WriterOutputBecomesValidJson) {
  for (int byte = 1; byte < 0x20; ++byte) {
    for (size_t at = 0; at < 40; ++at) {
      std::string value(40, 'a');
      value[at] = static_cast<char>(byte);
      const std::string json = EscapeRawControlBytes(WriteString(value));
      for (char c : json) {
        ASSERT_GE(static_cast<unsigned char>(c), 0x20) << byte << " " << at;
      }
      rapidjson::Document doc;
      doc.Parse(json.data(), json.size());
      ASSERT_FALSE(doc.HasParseError()) << json;
      EXPECT_EQ(std::string(doc["v"].GetString(), doc["v"].GetStringLength()),
                value);
    }
  }
}

TEST(EscapeRawControlBytesTest, TextWithoutControlBytesIsUnchanged) {
  EXPECT_EQ(EscapeRawControlBytes(R"({"a":"\u001A\n"})"),
            R"({"a":"\u001A\n"})");
  EXPECT_EQ(EscapeRawControlBytes("\x1b"), "\\u001B");
}

}  // namespace
}  // namespace protogate::base
