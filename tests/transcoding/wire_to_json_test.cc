#include "gateway/transcoding/wire_to_json.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using demo::bookstore::v1::Book;
using demo::bookstore::v1::StatsResponse;
using test::Scalars;
using testing::FromText;
using testing::JsonEquals;
using testing::LibJson;
using testing::Print;

struct PrintCase {
  const char* text;  // Scalars in text format.
  const char* json;  // Exact expected compact JSON.
};

class ScalarsPrintTest : public ::testing::TestWithParam<PrintCase> {};

TEST_P(ScalarsPrintTest, PrintsExpectedJson) {
  const Scalars m = FromText<Scalars>(GetParam().text);
  absl::StatusOr<std::string> got = Print(m);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, GetParam().json);
  EXPECT_TRUE(JsonEquals(*got, LibJson(m))) << *got << " vs " << LibJson(m);
}

INSTANTIATE_TEST_SUITE_P(
    All, ScalarsPrintTest,
    ::testing::Values(
        PrintCase{"", "{}"},
        PrintCase{"i32: -5 i64: -9223372036854775808",
                  R"({"i32":-5,"i64":"-9223372036854775808"})"},
        PrintCase{"u32: 4294967295 u64: 18446744073709551615",
                  R"({"u32":4294967295,"u64":"18446744073709551615"})"},
        PrintCase{"s32: -3 s64: -4 f32: 5 f64: 6 sf32: -7 sf64: -8",
                  R"({"s32":-3,"s64":"-4","f32":5,"f64":"6","sf32":-7,)"
                  R"("sf64":"-8"})"},
        PrintCase{"fl: 0.1 db: 0.1", R"({"fl":0.1,"db":0.1})"},
        PrintCase{"fl: 1e30 db: -2.5e-300", R"({"fl":1e+30,"db":-2.5e-300})"},
        PrintCase{"fl: nan db: -inf", R"({"fl":"NaN","db":"-Infinity"})"},
        PrintCase{"db: 3", R"({"db":3})"},
        PrintCase{"b: true s: \"a\\\"b\\n\\303\\251\"",
                  R"({"b":true,"s":"a\"b\n)"
                  "\xc3\xa9"
                  R"("})"},
        PrintCase{R"(s: "The Art of Computer Programming, Volume 1")",
                  R"({"s":"The Art of Computer Programming, Volume 1"})"},
        // 0x1A..0x1F in a 16-byte run: RapidJSON 1.1.0's SSE2 scan would
        // copy them unescaped (text_codecs.h, HasRapidJsonSse2Miss).
        PrintCase{
            R"(s: "0123456789abcdef\032\033\034\035\036\037 0123456789abcdef")",
            R"({"s":"0123456789abcdef\u001A\u001B\u001C\u001D\u001E)"
            R"(\u001F 0123456789abcdef"})"},
        PrintCase{R"(s: "abcdefgh\001ij\\k\177")",
                  R"({"s":"abcdefgh\u0001ij\\k)"
                  "\x7f"
                  R"("})"},
        PrintCase{R"(by: "\000\001\002\377")", R"({"by":"AAEC/w=="})"},
        PrintCase{"color: GREEN", R"({"color":"GREEN"})"},
        PrintCase{"color: 17", R"({"color":17})"},
        PrintCase{"nested { a: 1 child { b: \"x\" } }",
                  R"({"nested":{"a":1,"child":{"b":"x"}}})"},
        PrintCase{"nested {}", R"({"nested":{}})"},
        PrintCase{"opt_i32: 0", R"({"optI32":0})"},
        PrintCase{R"(custom: "c" snake_case_name: "d")",
                  R"({"customName":"c","snakeCaseName":"d"})"},
        PrintCase{"r_i32: [1, -2] r_i64: [3] r_fl: [0.5] r_color: [RED, 9]",
                  R"({"rI32":[1,-2],"rI64":["3"],"rFl":[0.5],)"
                  R"("rColor":["RED",9]})"},
        PrintCase{"r_nested { a: 1 } r_nested {} unpacked: [1, 2]",
                  R"({"rNested":[{"a":1},{}],"unpacked":[1,2]})"},
        PrintCase{R"(m_i64 { key: -1 value { a: 1 } })",
                  R"({"mI64":{"-1":{"a":1}}})"},
        PrintCase{R"(m_bool { key: true value: "t" })",
                  R"({"mBool":{"true":"t"}})"},
        PrintCase{
            R"(m_s64 { key: -3 value: "b" } m_sf32 { key: -1 value: "" })",
            R"({"mS64":{"-3":"b"},"mSf32":{"-1":""}})"},
        PrintCase{R"(m_color { key: "k" value: RED })",
                  R"({"mColor":{"k":"RED"}})"},
        PrintCase{"o_int: 0", R"({"oInt":0})"},
        PrintCase{"o_value { null_value: NULL_VALUE }", R"({"oValue":null})"}));

TEST(WireToJsonTest, BookMatchesLibprotobuf) {
  const Book book = FromText<Book>(R"(
      id: 7 shelf_id: 1 title: "Dune" genre: GENRE_FICTION
      authors { given_name: "Frank" born: 1920 }
      publish_time { seconds: 1700000000 nanos: 5000000 }
      labels { key: "lang" value: "en" }
      isbn: "123" page_count: 412 price: 9.5 in_stock: true
      cover_thumbnail: "\001\002" tags: "a")");
  absl::StatusOr<std::string> got = Print(book);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(JsonEquals(*got, LibJson(book))) << *got;
  EXPECT_TRUE(absl::StrContains(*got, R"("ISBN":"123")")) << *got;
  EXPECT_TRUE(
      absl::StrContains(*got, R"("publishTime":"2023-11-14T22:13:20.005Z")"))
      << *got;
}

TEST(WireToJsonTest, Int64MapKeys) {
  const StatsResponse m =
      FromText<StatsResponse>("books_per_shelf { key: 3 value: 4 }");
  EXPECT_EQ(*Print(m), R"({"booksPerShelf":{"3":4}})");
}

TEST(WireToJsonTest, MapEntriesPrintInKeyOrderWhateverTheWireOrder) {
  // Entries written out of order, as a backend's hash map may send them.
  Scalars m;
  std::string wire;
  for (const char* text :
       {R"(m_str { key: "b" value: 2 })", R"(m_str { key: "a" value: 1 })",
        R"(m_i32 { key: 10 value: "ten" })", R"(m_i32 { key: -3 value: "m" })",
        R"(m_i32 { key: 2 value: "two" })",
        R"(m_u64 { key: 18446744073709551615 value: "max" })",
        R"(m_u64 { key: 9 value: "nine" })"}) {
    wire += FromText<Scalars>(text).SerializeAsString();
  }
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json,
            R"({"mStr":{"a":1,"b":2},"mI32":{"-3":"m","2":"two","10":"ten"},)"
            R"("mU64":{"9":"nine","18446744073709551615":"max"}})");
}

TEST(WireToJsonTest, LastScalarWinsAndMessagesMerge) {
  const Scalars a = FromText<Scalars>(R"(i32: 1 nested { a: 1 } o_int: 5
                                         m_str { key: "k" value: 1 })");
  const Scalars b = FromText<Scalars>(R"(i32: 2 nested { b: "x" } o_str: "s"
                                         m_str { key: "k" value: 2 })");
  const std::string wire = a.SerializeAsString() + b.SerializeAsString();
  Scalars merged;
  ASSERT_TRUE(merged.ParseFromString(wire));
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, LibJson(merged));
  EXPECT_EQ(json,
            R"({"i32":2,"nested":{"a":1,"b":"x"},"mStr":{"k":2},"oStr":"s"})");
}

// The printer writes an object in one pass while the wire is in the usual
// order, and starts over (rewinding what it wrote) with collected fields
// when it is not. Each case breaks that order at a different point; the
// JSON must be what libprotobuf makes of the same bytes.
TEST(WireToJsonTest, OutOfOrderWireAtAnyPointPrintsAsLibprotobuf) {
  test::Nested b_then_a[2] = {FromText<test::Nested>(R"(b: "x")"),
                              FromText<test::Nested>("a: 1")};
  const std::string inner =
      b_then_a[0].SerializeAsString() + b_then_a[1].SerializeAsString();
  // nested (17, length-delimited: 0x8a 0x01) holding fields 2 then 1,
  // followed by an in-order field.
  const std::string nested_out_of_order =
      std::string("\x8a\x01") + static_cast<char>(inner.size()) + inner +
      FromText<Scalars>("r_i32: [3]").SerializeAsString();
  // r_s "a", an unknown field 999 (varint 1), r_s "b": one run of r_s.
  const std::string unknown_inside_run =
      FromText<Scalars>(R"(r_s: "a")").SerializeAsString() +
      std::string("\xb8\x3e\x01", 3) +
      FromText<Scalars>(R"(r_s: "b")").SerializeAsString();
  const std::vector<std::string> wires = {
      // A repeated message field's array is open when a lower field comes.
      FromText<Scalars>("r_nested { a: 1 } r_nested { a: 2 }")
              .SerializeAsString() +
          FromText<Scalars>("i32: 5").SerializeAsString(),
      // A map's key is written, its entries gathered.
      FromText<Scalars>(R"(m_str { key: "k" value: 1 })").SerializeAsString() +
          FromText<Scalars>("i32: 3").SerializeAsString(),
      // A message printed whole, then more of it (merged).
      FromText<Scalars>("i32: 1 nested { a: 1 child { a: 2 } }")
              .SerializeAsString() +
          FromText<Scalars>(R"(nested { b: "x" child { b: "y" } })")
              .SerializeAsString(),
      // Two members of one oneof, in number order: the last wins.
      FromText<Scalars>("o_int: 5").SerializeAsString() +
          FromText<Scalars>(R"(o_str: "s")").SerializeAsString(),
      // A repeated field again after a higher one.
      FromText<Scalars>("r_i32: [1] r_nested { a: 1 }").SerializeAsString() +
          FromText<Scalars>("r_i32: [2]").SerializeAsString(),
      // Still in order: one repeated field across two encodings.
      FromText<Scalars>(R"(i32: 1 r_s: "a" r_s: "b")").SerializeAsString() +
          FromText<Scalars>(R"(r_s: "c")").SerializeAsString(),
      nested_out_of_order,
      unknown_inside_run,
  };
  for (const std::string& wire : wires) {
    SCOPED_TRACE(::testing::PrintToString(wire));
    Scalars lib;
    ASSERT_TRUE(lib.ParseFromString(wire));
    for (int indent : {0, 2}) {
      PrintOptions options;
      options.indent = indent;
      std::string json;
      ASSERT_TRUE(WireToJson(testing::Codecs(),
                             testing::CodecOf(Scalars::descriptor()), wire,
                             options, &json)
                      .ok());
      EXPECT_TRUE(JsonEquals(json, LibJson(lib)))
          << json << " vs " << LibJson(lib);
      if (indent == 0) {
        EXPECT_EQ(json, LibJson(lib));
      }
    }
  }
}

TEST(WireToJsonTest, UnpackedInputForPackedFieldAndViceVersa) {
  // r_i32 (packed) sent unpacked: tag 31<<3|0 = 0xf8 0x01.
  const std::string wire = std::string("\xf8\x01\x05\xf8\x01\x06", 6) +
                           // unpacked (43) sent packed: 43<<3|2 = 0xda 0x02.
                           std::string("\xda\x02\x02\x07\x08", 5);
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"({"rI32":[5,6],"unpacked":[7,8]})");
}

// Found by wire_to_json_fuzzer: an empty packed run printed "rU64":[],
// which libprotobuf omits and which did not survive a round trip.
TEST(WireToJsonTest, EmptyPackedRunIsAnEmptyField) {
  // r_u64 (33, packed): 33<<3|2 = 0x8a 0x02, length 0; then i32: 1.
  const std::string wire("\x8a\x02\x00\x08\x01", 5);
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"({"i32":1})");
  Scalars lib;
  ASSERT_TRUE(lib.ParseFromString(wire));
  EXPECT_TRUE(JsonEquals(json, LibJson(lib))) << LibJson(lib);
}

// Found by wire_to_json_fuzzer: a singular NullValue field with a number
// other than NULL_VALUE printed "nullValue":null, which reads back as the
// default, so printing the parsed JSON again gave {}.
TEST(WireToJsonTest, SingularNullValueOfAnyNumberIsDefault) {
  const MessageCodec& codec = testing::CodecOf(test::Wkts::descriptor());
  const std::string wire("\xc0\x01\x0d", 3);  // null_value (24): 13.
  std::string json;
  ASSERT_TRUE(
      WireToJson(testing::Codecs(), codec, wire, PrintOptions(), &json).ok());
  EXPECT_EQ(json, "{}");
  // In a Value the kind stays null, whatever the number.
  const std::string value("\x2a\x02\x08\x0d", 4);  // val (5) {null: 13}.
  ASSERT_TRUE(
      WireToJson(testing::Codecs(), codec, value, PrintOptions(), &json).ok());
  EXPECT_EQ(json, R"({"val":null})");
}

// Found by wire_to_json_fuzzer: a 32-bit field's varint of 2^32 is 0 once
// truncated (as libprotobuf reads it), so it is the default, not printed.
TEST(WireToJsonTest, TruncatedZeroOf32BitVarintIsDefault) {
  // i32 (1) and color (16) as 2^32; then u32 (3) as 2^32 + 5.
  const std::string wire(
      "\x08\x80\x80\x80\x80\x10"
      "\x80\x01\x80\x80\x80\x80\x10"
      "\x18\x85\x80\x80\x80\x10",
      19);
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"({"u32":5})");
  Scalars lib;
  ASSERT_TRUE(lib.ParseFromString(wire));
  EXPECT_TRUE(JsonEquals(json, LibJson(lib))) << LibJson(lib);
}

TEST(WireToJsonTest, UnknownFieldsAreSkipped) {
  const std::string wire("\xa8\x1f\x01\x08\x03", 5);  // field 501, then i32.
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json, R"({"i32":3})");
}

TEST(WireToJsonTest, InvalidWireIsInvalidArgument) {
  const MessageCodec& codec = testing::CodecOf(Scalars::descriptor());
  for (const std::string& wire : {
           std::string("\x08", 1),  // Truncated varint.
           std::string("\x72\x05"
                       "ab",
                       4),                  // Truncated string (field 14).
           std::string("\x72\x01\xff", 3),  // Invalid UTF-8 in a string.
           std::string("\x0d\x01\x02\x03\x04", 5),  // i32 as fixed32.
           std::string("\x00\x01", 2),              // Field number 0.
           std::string("\x8a\x01\x01\x08", 4),      // nested truncated inside.
       }) {
    std::string json;
    absl::Status s =
        WireToJson(testing::Codecs(), codec, wire, PrintOptions(), &json);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument)
        << ::testing::PrintToString(wire);
  }
}

TEST(WireToJsonTest, EmitUnpopulated) {
  PrintOptions options;
  options.emit_unpopulated = true;
  absl::StatusOr<std::string> got = Print(Book(), options);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got,
            R"({"id":"0","shelfId":"0","title":"","authors":[],)"
            R"("genre":"GENRE_UNSPECIFIED","labels":{},"ISBN":"",)"
            R"("pageCount":0,"price":0,"inStock":false,"coverThumbnail":"",)"
            R"("tags":[]})");
}

TEST(WireToJsonTest, EnumsAsIntsAndProtoNames) {
  PrintOptions options;
  options.enums_as_ints = true;
  options.proto_field_names = true;
  const Book book =
      FromText<Book>(R"(genre: GENRE_SCIENCE shelf_id: 2 isbn: "i")");
  EXPECT_EQ(*Print(book, options), R"({"shelf_id":"2","genre":2,"isbn":"i"})");
}

TEST(WireToJsonTest, Indent) {
  PrintOptions options;
  options.indent = 2;
  const Book book = FromText<Book>(R"(title: "t" tags: "a")");
  EXPECT_EQ(*Print(book, options),
            "{\n  \"title\": \"t\",\n  \"tags\": [\n    \"a\"\n  ]\n}");
}

TEST(WireFieldToJsonTest, PrintsOneFieldOrItsDefault) {
  const MessageCodec& codec = testing::CodecOf(Scalars::descriptor());
  const auto* d = Scalars::descriptor();
  const Scalars m = FromText<Scalars>(R"(nested { a: 2 } r_s: ["x"] i64: 5)");
  const std::string wire = m.SerializeAsString();
  struct {
    const char* field;
    const char* json;
  } cases[] = {{"nested", R"({"a":2})"}, {"r_s", R"(["x"])"},
               {"i64", R"("5")"},        {"i32", "0"},
               {"r_i32", "[]"},          {"m_str", "{}"},
               {"o_msg", "{}"},          {"color", R"("COLOR_UNSPECIFIED")"}};
  for (const auto& c : cases) {
    std::string json;
    ASSERT_TRUE(WireFieldToJson(testing::Codecs(), codec,
                                *d->FindFieldByName(c.field), wire,
                                PrintOptions(), &json)
                    .ok());
    EXPECT_EQ(json, c.json) << c.field;
  }
}

}  // namespace
}  // namespace protogate::transcoding

namespace protogate::transcoding {
namespace {

// Found by json_to_wire_fuzzer: an Any holding a google.protobuf.Value with no
// kind set must print so that it parses back to the same message.
TEST(WireToJsonTest, AnyOfAnEmptyValueLeavesValueOut) {
  std::string wire;
  ParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  ASSERT_TRUE(JsonToWire(testing::Codecs(),
                         testing::CodecOf(test::Wkts::descriptor()),
                         R"({"any": {"@type": "type.googleapis.com/)"
                         R"(google.protobuf.Value", "vale": {}}})",
                         lenient, &wire)
                  .ok());
  std::string json;
  ASSERT_TRUE(WireToJson(testing::Codecs(),
                         testing::CodecOf(test::Wkts::descriptor()), wire,
                         PrintOptions(), &json)
                  .ok());
  EXPECT_EQ(json,
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Value"}})");
  std::string again;
  ASSERT_TRUE(JsonToWire(testing::Codecs(),
                         testing::CodecOf(test::Wkts::descriptor()), json,
                         ParseOptions(), &again)
                  .ok());
  EXPECT_EQ(again, wire);
}

}  // namespace
}  // namespace protogate::transcoding
