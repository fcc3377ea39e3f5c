#include "gateway/transcoding/json_to_wire.h"

#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using demo::bookstore::v1::Book;
using test::Scalars;
using testing::FromText;
using testing::Parse;
using testing::ParseError;
using testing::Same;

struct ValidCase {
  const char* json;
  const char* text;  // Expected message in text format.
};

class ScalarsValidTest : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ScalarsValidTest, ParsesToExpectedMessage) {
  absl::StatusOr<Scalars> got = Parse<Scalars>(GetParam().json);
  ASSERT_TRUE(got.ok()) << got.status() << " for " << GetParam().json;
  const Scalars want = FromText<Scalars>(GetParam().text);
  EXPECT_TRUE(Same(*got, want))
      << GetParam().json << "\n got: " << got->ShortDebugString()
      << "\nwant: " << want.ShortDebugString();
}

INSTANTIATE_TEST_SUITE_P(
    All, ScalarsValidTest,
    ::testing::Values(
        ValidCase{R"({})", ""},
        ValidCase{R"({"i32": -5, "i64": "-9223372036854775808"})",
                  "i32: -5 i64: -9223372036854775808"},
        ValidCase{R"({"i32": "12", "i64": 7})", "i32: 12 i64: 7"},
        ValidCase{R"({"i32": 1e2, "u32": 4294967295})",
                  "i32: 100 u32: 4294967295"},
        ValidCase{R"({"i32": 5.0})", "i32: 5"},
        ValidCase{R"({"u64": "18446744073709551615"})",
                  "u64: 18446744073709551615"},
        ValidCase{R"({"s32": -3, "s64": "-4", "f32": 5, "f64": "6"})",
                  "s32: -3 s64: -4 f32: 5 f64: 6"},
        ValidCase{R"({"sf32": -7, "sf64": "-8"})", "sf32: -7 sf64: -8"},
        ValidCase{R"({"fl": 1.5, "db": -2.25})", "fl: 1.5 db: -2.25"},
        ValidCase{R"({"fl": 3.4028235e38})", "fl: 3.4028235e38"},
        ValidCase{R"({"fl": -3.40282356e38})", "fl: -3.4028235e38"},
        ValidCase{R"({"fl": "NaN", "db": "-Infinity"})", "fl: nan db: -inf"},
        ValidCase{R"({"db": "1.5", "fl": "Infinity"})", "db: 1.5 fl: inf"},
        ValidCase{R"({"b": true, "s": "h\u00e9\ud83d\ude00"})",
                  "b: true s: \"h\\303\\251\\360\\237\\230\\200\""},
        ValidCase{R"({"by": "AAEC/w=="})", R"(by: "\000\001\002\377")"},
        ValidCase{R"({"by": "AAEC_w"})", R"(by: "\000\001\002\377")"},
        ValidCase{R"({"by": "-_8"})", R"(by: "\373\377")"},
        ValidCase{R"({"color": "GREEN"})", "color: GREEN"},
        ValidCase{R"({"color": 2})", "color: GREEN"},
        ValidCase{R"({"color": 17})", "color: 17"},
        ValidCase{R"({"nested": {"a": 1, "child": {"b": "x"}}})",
                  R"(nested { a: 1 child { b: "x" } })"},
        ValidCase{R"({"nested": {}})", "nested {}"},
        ValidCase{R"({"nested": null, "i32": null})", ""},
        ValidCase{R"({"optI32": 0})", "opt_i32: 0"},
        ValidCase{R"({"opt_i32": 3})", "opt_i32: 3"},
        ValidCase{R"({"customName": "a"})", R"(custom: "a")"},
        ValidCase{R"({"custom": "a"})", R"(custom: "a")"},
        ValidCase{R"({"snakeCaseName": "a"})", R"(snake_case_name: "a")"},
        ValidCase{R"({"snake_case_name": "a"})", R"(snake_case_name: "a")"},
        ValidCase{R"({"rI32": [1, -2, "3"], "rS": ["a", "b"]})",
                  R"(r_i32: [1, -2, 3] r_s: ["a", "b"])"},
        ValidCase{R"({"rI64": ["1", 2], "rU64": [3], "rS64": [-4]})",
                  "r_i64: [1, 2] r_u64: 3 r_s64: -4"},
        ValidCase{R"({"rF32": [1], "rFl": [0.5], "rDb": ["NaN"]})",
                  "r_f32: 1 r_fl: 0.5 r_db: nan"},
        ValidCase{R"({"rB": [true, false], "rBy": ["AQ=="]})",
                  R"(r_b: [true, false] r_by: "\001")"},
        ValidCase{R"({"rColor": ["RED", 2], "unpacked": [1, 2]})",
                  "r_color: [RED, GREEN] unpacked: [1, 2]"},
        ValidCase{R"({"rNested": [{"a": 1}, {}], "rSf64": ["-1"]})",
                  "r_nested { a: 1 } r_nested {} r_sf64: -1"},
        ValidCase{R"({"rI32": [], "rNested": null})", ""},
        ValidCase{R"({"mStr": {"a": 1, "b": 0}})",
                  R"(m_str { key: "a" value: 1 } m_str { key: "b" })"},
        ValidCase{R"({"mI32": {"-1": "x"}, "mU32": {"4294967295": "y"}})",
                  R"(m_i32 { key: -1 value: "x" }
                     m_u32 { key: 4294967295 value: "y" })"},
        ValidCase{R"({"mI64": {"-9223372036854775808": {"a": 1}}})",
                  R"(m_i64 { key: -9223372036854775808 value { a: 1 } })"},
        ValidCase{R"({"mU64": {"18446744073709551615": ""}})",
                  R"(m_u64 { key: 18446744073709551615 value: "" })"},
        ValidCase{
            R"({"mS32": {"-2": "a"}, "mS64": {"-3": "b"}})",
            R"(m_s32 { key: -2 value: "a" } m_s64 { key: -3 value: "b" })"},
        ValidCase{R"({"mF32": {"1": "a"}, "mF64": {"2": "b"}})",
                  R"(m_f32 { key: 1 value: "a" } m_f64 { key: 2 value: "b" })"},
        ValidCase{
            R"({"mSf32": {"-1": "a"}, "mSf64": {"-2": "b"}})",
            R"(m_sf32 { key: -1 value: "a" } m_sf64 { key: -2 value: "b" })"},
        ValidCase{
            R"({"mBool": {"true": "t", "false": "f"}})",
            R"(m_bool { key: true value: "t" } m_bool { key: false value: "f" })"},
        ValidCase{
            R"({"mColor": {"k": "RED"}, "mBytes": {"k": "AQ"}})",
            R"(m_color { key: "k" value: RED } m_bytes { key: "k" value: "\001" })"},
        ValidCase{R"({"oInt": 0})", "o_int: 0"},
        ValidCase{R"({"oStr": "x", "oInt": null})", R"(o_str: "x")"},
        ValidCase{R"({"oMsg": {"a": 1}})", "o_msg { a: 1 }"},
        ValidCase{R"({"oValue": null})", "o_value { null_value: NULL_VALUE }"},
        ValidCase{" \n{ \"i32\" : 1 }\t ", "i32: 1"}));

struct ErrorCase {
  const char* json;
  const char* message;  // Expected substring of the error message.
};

class ScalarsErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ScalarsErrorTest, IsInvalidArgumentNamingTheProblem) {
  absl::Status s = ParseError<Scalars>(GetParam().json);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << GetParam().json;
  EXPECT_TRUE(absl::StrContains(s.message(), GetParam().message))
      << GetParam().json << " -> " << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    All, ScalarsErrorTest,
    ::testing::Values(
        ErrorCase{R"({"i32": "x"})", R"(field "i32": expected int32, got "x")"},
        ErrorCase{R"({"i32": 1.5})", R"(field "i32": expected int32, got 1.5)"},
        ErrorCase{R"({"i32": 2147483648})", "expected int32, got 2147483648"},
        ErrorCase{R"({"u32": -1})", R"(field "u32": expected uint32)"},
        ErrorCase{R"({"i64": "9223372036854775808"})",
                  R"(field "i64": expected int64)"},
        ErrorCase{R"({"u64": "-1"})", R"(field "u64": expected uint64)"},
        ErrorCase{R"({"i64": "-9223372036854775809"})", "expected int64"},
        ErrorCase{R"({"i64": 9223372036854775808})", "expected int64"},
        ErrorCase{R"({"u64": "18446744073709551616"})", "expected uint64"},
        ErrorCase{R"({"i64": 1e19})", "expected int64"},
        ErrorCase{R"({"i32": " 1"})", "expected int32"},
        ErrorCase{R"({"i32": true})", "expected int32, got true"},
        ErrorCase{R"({"db": 1e999})", "Number too big"},
        ErrorCase{R"({"db": "1e999"})", R"(field "db": expected double)"},
        ErrorCase{R"({"fl": 1e39})", R"(field "fl": expected float)"},
        ErrorCase{R"({"fl": -3.4028235677973366e38})", "expected float"},
        ErrorCase{R"({"db": "nan"})", "expected double"},
        ErrorCase{R"({"b": "true"})", R"(field "b": expected bool)"},
        ErrorCase{R"({"s": 1})", R"(field "s": expected string, got 1)"},
        ErrorCase{R"({"s": "\udc00"})", "invalid UTF-8"},
        ErrorCase{R"({"s": "\ud800"})", "malformed JSON"},
        ErrorCase{"{\"s\": \"\xc3\x28\"}", "malformed JSON"},
        ErrorCase{R"({"by": "a*b"})", R"(field "by": expected bytes)"},
        ErrorCase{R"({"by": "A"})", "expected bytes"},
        ErrorCase{R"({"color": "BLUE"})", R"(unknown value "BLUE")"},
        ErrorCase{R"({"nested": 1})", R"(field "nested": expected object)"},
        ErrorCase{R"({"nested": {"child": {"a": "q"}}})",
                  R"(field "nested.child.a": expected int32, got "q")"},
        ErrorCase{R"({"rNested": [{}, {}, {"a": "q"}]})",
                  R"(field "rNested[2].a": expected int32, got "q")"},
        ErrorCase{R"({"rI32": [1, null]})", R"(field "rI32[1]": null)"},
        ErrorCase{R"({"rI32": 1})", R"(field "rI32": expected array, got 1)"},
        ErrorCase{R"({"rI32": [[1]]})", "got array"},
        ErrorCase{R"({"i32": [1]})",
                  R"(field "i32": expected int32, got array)"},
        ErrorCase{R"({"i32": {}})", "expected int32, got object"},
        ErrorCase{R"({"mStr": []})", R"(field "mStr": expected object)"},
        ErrorCase{R"({"mStr": {"a": null}})", R"(field "mStr[a]": null)"},
        ErrorCase{R"({"mI32": {"x": "a"}})",
                  R"(field "mI32[x]": invalid map key)"},
        ErrorCase{R"({"mBool": {"yes": "a"}})", "invalid map key"},
        ErrorCase{R"({"mStr": {"a": 1, "a": 2}})", "duplicate map key"},
        ErrorCase{R"({"titel": 1})", R"(field "titel": unknown field)"},
        ErrorCase{R"({"nested": {"zz": 1}})",
                  R"(field "nested.zz": unknown field)"},
        ErrorCase{R"({"i32": 1, "i32": 2})", R"(field "i32": duplicate field)"},
        ErrorCase{R"({"customName": "a", "custom": "b"})", "duplicate field"},
        ErrorCase{
            R"({"oInt": 1, "oStr": "a"})",
            R"(field "oStr": oneof "choice" already has field "oInt" set)"},
        ErrorCase{R"({"i32": 1,})", "malformed JSON"},
        ErrorCase{R"({"i32": 1} // c)", "malformed JSON"},
        ErrorCase{R"(/* c */ {"i32": 1})", "malformed JSON"},
        ErrorCase{R"({"db": NaN})", "malformed JSON"},
        ErrorCase{R"({"db": Infinity})", "malformed JSON"},
        ErrorCase{R"({'i32': 1})", "malformed JSON"},
        ErrorCase{R"({"i32": 1} x)", "malformed JSON"},
        ErrorCase{R"({"i32": 01})", "malformed JSON"},
        ErrorCase{"", "malformed JSON"},
        ErrorCase{"[1]", "expected object, got array"},
        ErrorCase{"1", "expected object, got 1"},
        ErrorCase{"null", "expected object, got null"}));

TEST(JsonToWireTest, NulByteInInputIsRejected) {
  const std::string json("{\"i32\": 1}\0{", 12);
  EXPECT_EQ(ParseError<Scalars>(json).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonToWireTest, UnknownFieldsAreSkippedWhenAllowed) {
  ParseOptions options;
  options.ignore_unknown_fields = true;
  absl::StatusOr<Scalars> got = Parse<Scalars>(
      R"({"zz": {"a": [1, {"b": null}]}, "i32": 4, "yy": 1, "color": "BLUE",
          "rColor": ["BLUE", "RED"], "mColor": {"a": "BLUE", "b": "RED"}})",
      options);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(Same(*got, FromText<Scalars>(
                             R"(i32: 4 r_color: RED
                                m_color { key: "b" value: RED })")))
      << got->ShortDebugString();
}

TEST(JsonToWireTest, LargeArrayParsesQuickly) {
  std::string json = "{\"rI32\": [";
  while (json.size() < (2 << 20) - 16) json += "123456,";
  json += "1]}";
  const absl::Time start = absl::Now();
  absl::StatusOr<Scalars> got = Parse<Scalars>(json);
  const absl::Duration elapsed = absl::Now() - start;
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_GT(got->r_i32_size(), 290000);
  EXPECT_LT(elapsed, absl::Seconds(2));
  std::cout << "2 MB array: " << elapsed << "\n";
}

TEST(JsonToWireTest, CaseInsensitiveEnums) {
  ParseOptions options;
  options.case_insensitive_enums = true;
  absl::StatusOr<Scalars> got =
      Parse<Scalars>(R"({"color": "green"})", options);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->color(), test::GREEN);
}

TEST(JsonToWireTest, DepthLimitIsEnforced) {
  ParseOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(Parse<Scalars>(R"({"nested": {"child": {}}})", options).ok());
  absl::Status s =
      ParseError<Scalars>(R"({"nested": {"child": {"child": {}}}})", options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "maximum depth of 3")) << s;
  // Deep input never overflows the stack, even when skipped.
  options = ParseOptions();
  options.ignore_unknown_fields = true;
  std::string deep =
      "{\"zz\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  s = ParseError<Scalars>(deep, options);
  EXPECT_TRUE(absl::StrContains(s.message(), "maximum depth of 64")) << s;
}

TEST(JsonToWireTest, SizeLimitIsEnforced) {
  ParseOptions options;
  options.max_input_bytes = 10;
  absl::Status s = ParseError<Scalars>(R"({"s": "0123456789"})", options);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "limit of 10 bytes")) << s;
}

TEST(JsonToWireTest, BytesMatchLibprotobufSerialization) {
  const Book book = FromText<Book>(R"(
      id: 7 shelf_id: -1 title: "Dune" genre: GENRE_FICTION
      authors { given_name: "Frank" family_name: "Herbert" born: 1920 }
      authors { given_name: "X" }
      publish_time { seconds: 1700000000 nanos: 5000000 }
      isbn: "123" page_count: 412 price: 9.5 in_stock: true
      cover_thumbnail: "\001\002" tags: "a" tags: "b")");
  std::string wire;
  ASSERT_TRUE(JsonToWire(testing::Codecs(),
                         testing::CodecOf(Book::descriptor()),
                         testing::LibJson(book), ParseOptions(), &wire)
                  .ok());
  EXPECT_EQ(wire, book.SerializeAsString());
}

TEST(JsonToWireTest, PackedEncodingMatchesLibprotobuf) {
  const Scalars m = FromText<Scalars>(
      "r_i32: [1, -2, 300] r_fl: [1.5] r_color: [RED] unpacked: [4, 5]");
  std::string wire;
  ASSERT_TRUE(JsonToWire(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()),
                         R"({"rI32": [1, -2, 300], "rFl": [1.5],
                             "rColor": ["RED"], "unpacked": [4, 5]})",
                         ParseOptions(), &wire)
                  .ok());
  EXPECT_EQ(wire, m.SerializeAsString());
}

TEST(JsonToWireTest, LongNestedMessageLengthsAreCorrect) {
  const std::string text(300, 'x');
  absl::StatusOr<Scalars> got =
      Parse<Scalars>(R"({"nested": {"b": ")" + text + R"(", "child": {"b": ")" +
                     text + R"("}}})");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->nested().child().b(), text);
}

TEST(JsonToWireTest, AppendsToExistingWire) {
  std::string wire;
  const MessageCodec& codec = testing::CodecOf(Scalars::descriptor());
  ASSERT_TRUE(JsonToWire(testing::Codecs(), codec, R"({"nested": {"a": 1}})",
                         ParseOptions(), &wire)
                  .ok());
  ASSERT_TRUE(JsonToWire(testing::Codecs(), codec, R"({"nested": {"b": "x"}})",
                         ParseOptions(), &wire)
                  .ok());
  Scalars m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(Same(m, FromText<Scalars>(R"(nested { a: 1 b: "x" })")));
}

TEST(JsonFieldToWireTest, ParsesOneFieldValue) {
  const MessageCodec& codec = testing::CodecOf(Scalars::descriptor());
  const auto* d = Scalars::descriptor();
  std::string wire;
  ASSERT_TRUE(JsonFieldToWire(testing::Codecs(), codec,
                              *d->FindFieldByName("nested"), R"({"a": 3})",
                              ParseOptions(), &wire)
                  .ok());
  ASSERT_TRUE(JsonFieldToWire(testing::Codecs(), codec,
                              *d->FindFieldByName("r_s"), R"(["p", "q"])",
                              ParseOptions(), &wire)
                  .ok());
  ASSERT_TRUE(JsonFieldToWire(testing::Codecs(), codec,
                              *d->FindFieldByName("i64"), R"("12")",
                              ParseOptions(), &wire)
                  .ok());
  Scalars m;
  ASSERT_TRUE(m.ParseFromString(wire));
  EXPECT_TRUE(
      Same(m, FromText<Scalars>(R"(nested { a: 3 } r_s: ["p", "q"] i64: 12)")));
  wire.clear();
  absl::Status s =
      JsonFieldToWire(testing::Codecs(), codec, *d->FindFieldByName("nested"),
                      R"({"a": "z"})", ParseOptions(), &wire);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), R"(field "nested.a")")) << s;
}

}  // namespace
}  // namespace protogate::transcoding
