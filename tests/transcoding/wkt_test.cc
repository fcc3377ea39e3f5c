// Well-known types in both directions.
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using test::Wkts;
using testing::FromText;
using testing::JsonEquals;
using testing::LibJson;
using testing::Parse;
using testing::ParseError;
using testing::Print;
using testing::Same;

struct RoundTripCase {
  const char* json;  // Canonical JSON: parses, then prints back identically.
  const char* text;  // The message in text format.
};

class WktRoundTripTest : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(WktRoundTripTest, ParsesAndPrintsCanonically) {
  absl::StatusOr<Wkts> got = Parse<Wkts>(GetParam().json);
  ASSERT_TRUE(got.ok()) << got.status() << " for " << GetParam().json;
  const Wkts want = FromText<Wkts>(GetParam().text);
  EXPECT_TRUE(Same(*got, want))
      << GetParam().json << "\n got " << got->ShortDebugString();
  absl::StatusOr<std::string> printed = Print(want);
  ASSERT_TRUE(printed.ok()) << printed.status();
  // Map order is unspecified; compare as JSON values.
  EXPECT_TRUE(JsonEquals(*printed, GetParam().json)) << *printed;
  if (!absl::StrContains(GetParam().json, "protobuf.Empty")) {
    EXPECT_TRUE(JsonEquals(*printed, LibJson(want)))
        << *printed << " vs " << LibJson(want);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, WktRoundTripTest,
    ::testing::Values(
        RoundTripCase{R"({"ts":"1970-01-01T00:00:00Z"})", "ts {}"},
        RoundTripCase{R"({"ts":"2024-02-29T23:59:59.500Z"})",
                      "ts { seconds: 1709251199 nanos: 500000000 }"},
        RoundTripCase{R"({"ts":"0001-01-01T00:00:00Z"})",
                      "ts { seconds: -62135596800 }"},
        RoundTripCase{R"({"ts":"9999-12-31T23:59:59.999999999Z"})",
                      "ts { seconds: 253402300799 nanos: 999999999 }"},
        RoundTripCase{R"({"ts":"1969-12-31T23:59:59.000001Z"})",
                      "ts { seconds: -1 nanos: 1000 }"},
        RoundTripCase{R"({"dur":"1.500s"})",
                      "dur { seconds: 1 nanos: 500000000 }"},
        RoundTripCase{R"({"dur":"-0.000000001s"})", "dur { nanos: -1 }"},
        RoundTripCase{R"({"dur":"0s"})", "dur {}"},
        RoundTripCase{R"({"dur":"-315576000000s"})",
                      "dur { seconds: -315576000000 }"},
        RoundTripCase{R"({"mask":"fooBar,a.bC"})",
                      R"(mask { paths: ["foo_bar", "a.b_c"] })"},
        RoundTripCase{R"({"mask":""})", "mask {}"},
        RoundTripCase{R"({"st":{"a":1,"b":[true,null,"x"],"c":{"d":{}}}})",
                      R"(st { fields { key: "a" value { number_value: 1 } }
                              fields { key: "b" value { list_value {
                                values { bool_value: true }
                                values { null_value: NULL_VALUE }
                                values { string_value: "x" } } } }
                              fields { key: "c" value { struct_value {
                                fields { key: "d" value { struct_value {} } }
                              } } } })"},
        RoundTripCase{R"({"st":{}})", "st {}"},
        RoundTripCase{R"({"val":"s"})", R"(val { string_value: "s" })"},
        RoundTripCase{R"({"val":null})", "val { null_value: NULL_VALUE }"},
        RoundTripCase{R"({"val":[1.5,{}]})",
                      R"(val { list_value { values { number_value: 1.5 }
                                            values { struct_value {} } } })"},
        RoundTripCase{
            R"({"lv":[[],false]})",
            R"(lv { values { list_value {} } values { bool_value: false } })"},
        RoundTripCase{R"({"empty":{}})", "empty {}"},
        RoundTripCase{R"({"wDouble":0,"wFloat":1.5,"wI64":"-3","wU64":"4"})",
                      "w_double {} w_float { value: 1.5 } w_i64 { value: -3 } "
                      "w_u64 { value: 4 }"},
        RoundTripCase{
            R"({"wI32":5,"wU32":6,"wBool":false,"wStr":"s","wBytes":"AQ=="})",
            R"(w_i32 { value: 5 } w_u32 { value: 6 } w_bool {}
                         w_str { value: "s" } w_bytes { value: "\001" })"},
        RoundTripCase{R"({"rTs":["1970-01-01T00:00:01Z"],"rVal":[1,null]})",
                      R"(r_ts { seconds: 1 } r_val { number_value: 1 }
                         r_val { null_value: NULL_VALUE })"},
        RoundTripCase{R"({"mVal":{"k":"v"}})",
                      R"(m_val { key: "k" value { string_value: "v" } })"},
        RoundTripCase{R"({"rWrap":[1,0]})", "r_wrap { value: 1 } r_wrap {}"},
        RoundTripCase{
            R"({"any":{"@type":"type.googleapis.com/protogate.transcoding.test.Nested","a":1,"child":{"b":"x"}}})",
            R"(any { [type.googleapis.com/protogate.transcoding.test.Nested]
                     { a: 1 child { b: "x" } } })"},
        RoundTripCase{
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"2s"}})",
            R"(any { [type.googleapis.com/google.protobuf.Duration]
                     { seconds: 2 } })"},
        RoundTripCase{
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Empty","value":{}}})",
            R"(any { [type.googleapis.com/google.protobuf.Empty] {} })"},
        RoundTripCase{
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Struct","value":{"a":"b"}}})",
            R"(any { [type.googleapis.com/google.protobuf.Struct] {
                       fields { key: "a" value { string_value: "b" } } } })"},
        RoundTripCase{
            R"({"any":{"@type":"type.googleapis.com/google.protobuf.Any","value":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":3}}})",
            R"(any { [type.googleapis.com/google.protobuf.Any] {
                       [type.googleapis.com/google.protobuf.Int32Value] {
                         value: 3 } } })"},
        RoundTripCase{R"({"any":{}})", "any {}"}));

TEST(WktTest, TimestampInputForms) {
  struct {
    const char* json;
    const char* text;
  } cases[] = {
      {R"({"ts": "1970-01-01T01:00:00+01:00"})", "ts {}"},
      {R"({"ts": "1970-01-01T00:00:00-00:30"})", "ts { seconds: 1800 }"},
      {R"({"ts": "1970-01-01T00:00:00.1Z"})", "ts { nanos: 100000000 }"},
      {R"({"ts": "2000-02-29T00:00:00.123456789Z"})",
       "ts { seconds: 951782400 nanos: 123456789 }"},
      {R"({"dur": "1s", "val": 1e2})",
       "dur { seconds: 1 } val { number_value: 100 }"},
      {R"({"dur": "-1.5s"})", "dur { seconds: -1 nanos: -500000000 }"},
      {R"({"any": {"a": 1, "@type": "x/protogate.transcoding.test.Nested"}})",
       R"(any { type_url: "x/protogate.transcoding.test.Nested"
                value: "\010\001" })"},
      // libprotobuf 3.21 prints Empty inside Any without "value".
      {R"({"any": {"@type": "x/google.protobuf.Empty"}})",
       R"(any { type_url: "x/google.protobuf.Empty" })"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Wkts> got = Parse<Wkts>(c.json);
    ASSERT_TRUE(got.ok()) << got.status() << " for " << c.json;
    EXPECT_TRUE(Same(*got, FromText<Wkts>(c.text)))
        << c.json << " got " << got->ShortDebugString();
  }
}

TEST(WktTest, InvalidInputsNameTheField) {
  struct {
    const char* json;
    const char* message;
  } cases[] = {
      {R"({"ts": "1970-01-01 00:00:00Z"})", R"(field "ts": expected RFC 3339)"},
      {R"({"ts": "1970-01-01T00:00:00z"})", "expected RFC 3339"},
      {R"({"ts": "1970-01-01T00:00:00"})", "expected RFC 3339"},
      {R"({"ts": "1970-02-30T00:00:00Z"})", "expected RFC 3339"},
      {R"({"ts": "10000-01-01T00:00:00Z"})", "expected RFC 3339"},
      {R"({"ts": "0000-12-31T00:00:00Z"})", "expected RFC 3339"},
      {R"({"ts": "1970-01-01T00:00:00.1234567890Z"})", "expected RFC 3339"},
      {R"({"ts": 0})", "expected RFC 3339"},
      {R"({"ts": {}})", R"(field "ts": expected google.protobuf.Timestamp)"},
      {R"({"dur": "1"})", R"(field "dur": expected duration)"},
      {R"({"dur": "1.s"})", "expected duration"},
      {R"({"dur": "315576000001s"})", "expected duration"},
      {R"({"mask": "a_b"})", R"(field "mask": expected field mask)"},
      // Found by json_to_wire_fuzzer: a lone low surrogate in a mask path.
      {R"({"mask": "a.\udc00b"})", R"(field "mask": invalid UTF-8)"},
      {R"({"wI32": "x"})", R"(field "wI32": expected int32)"},
      {R"({"wI32": {"value": 1}})", "expected google.protobuf.Int32Value"},
      {R"({"rWrap": [null]})", R"(field "rWrap[0]")"},
      {R"({"st": []})", R"(field "st": expected object, got array)"},
      {R"({"st": {"a": {"b": [1, 2, {"c": "\udc00"}]}}})",
       R"(field "st[a][b][2][c]": invalid UTF-8)"},
      {R"({"st": {"a": 1, "a": 2}})", "duplicate map key"},
      {R"({"lv": {}})", "expected google.protobuf.ListValue"},
      {R"({"any": {"a": 1}})", R"(field "any": missing "@type")"},
      {R"({"any": {"@type": "nope"}})", R"(invalid type URL "nope")"},
      // Found by json_to_wire_fuzzer: a lone surrogate in an Any's type URL.
      {R"({"any": {"@type": "\ude00/google.protobuf.Duration"}})",
       R"(invalid UTF-8 in "@type" of Any)"},
      {R"({"any": {"@type": "x/no.such.Type"}})",
       R"(unknown type "x/no.such.Type")"},
      {R"({"any": {"@type": "x/protogate.transcoding.test.Nested", "z": 1}})",
       R"(field "any.z": unknown field)"},
      {R"({"any": {"@type": "x/google.protobuf.Duration", "value": "x"}})",
       R"(field "any.value": expected duration)"},
      {R"({"any": {"@type": "x/google.protobuf.Duration", "seconds": 1}})",
       R"(field "any.seconds": unknown field)"},
      {R"({"nullValue": "x"})", R"(field "nullValue")"},
  };
  for (const auto& c : cases) {
    absl::Status s = ParseError<Wkts>(c.json);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_TRUE(absl::StrContains(s.message(), c.message))
        << c.json << " -> " << s.message();
  }
}

TEST(WktTest, InvalidWktWireIsRejected) {
  struct {
    const char* text;
  } cases[] = {
      {"ts { seconds: 253402300800 }"},
      {"ts { nanos: -1 }"},
      {"dur { seconds: 1 nanos: -1 }"},
      {"dur { seconds: 315576000001 }"},
      {R"(mask { paths: "fooBar" })"},
      // Found by wire_to_json_fuzzer: paths that do not survive the JSON
      // form ("a,b" would come back as two paths, "" as none).
      {R"(mask { paths: "a,b" })"},
      {R"(mask { paths: "" })"},
      {R"(mask { paths: "a" paths: "" })"},
      {R"(any { type_url: "x/no.such.Type" value: "\010\001" })"},
      {"val { number_value: nan }"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Print(FromText<Wkts>(c.text)).status().code(),
              absl::StatusCode::kInvalidArgument)
        << c.text;
  }
}

// Found by json_to_wire_fuzzer: "," parsed as two empty paths, which print
// as "". As libprotobuf, empty paths are skipped.
TEST(WktTest, FieldMaskSkipsEmptyPaths) {
  struct {
    const char* json;
    const char* text;
  } cases[] = {
      {R"({"mask": ","})", "mask {}"},
      {R"({"mask": "a,,bC,"})", R"(mask { paths: ["a", "b_c"] })"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<Wkts> got = testing::Parse<Wkts>(c.json);
    ASSERT_TRUE(got.ok()) << c.json << ": " << got.status();
    EXPECT_TRUE(testing::Same(*got, FromText<Wkts>(c.text))) << c.json;
  }
}

TEST(WktTest, TopLevelWellKnownTypes) {
  std::string wire;
  const auto* ts = google::protobuf::Timestamp::descriptor();
  ASSERT_TRUE(JsonToWire(testing::Codecs(), testing::CodecOf(ts),
                         R"("1970-01-01T00:00:10Z")", ParseOptions(), &wire)
                  .ok());
  google::protobuf::Timestamp t;
  ASSERT_TRUE(t.ParseFromString(wire));
  EXPECT_EQ(t.seconds(), 10);
  EXPECT_EQ(*Print(t), R"("1970-01-01T00:00:10Z")");

  wire.clear();
  const auto* value = google::protobuf::Value::descriptor();
  ASSERT_TRUE(JsonToWire(testing::Codecs(), testing::CodecOf(value),
                         R"({"a": [1, "b"]})", ParseOptions(), &wire)
                  .ok());
  google::protobuf::Value v;
  ASSERT_TRUE(v.ParseFromString(wire));
  EXPECT_EQ(*Print(v), R"({"a":[1,"b"]})");
}

}  // namespace
}  // namespace protogate::transcoding
