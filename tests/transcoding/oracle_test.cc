// Round trips checked against libprotobuf's own JSON and binary codecs.
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace protogate::transcoding {
namespace {

using test::Scalars;
using test::Wkts;
using testing::FromText;
using testing::JsonEquals;
using testing::LibJson;
using testing::Parse;
using testing::Print;
using testing::Same;

// Every field of Scalars set to something non-default.
Scalars FullScalars() {
  return FromText<Scalars>(R"(
      i32: -2147483648 i64: 9223372036854775807 u32: 4294967295
      u64: 18446744073709551615 s32: -1 s64: -9223372036854775808
      f32: 1 f64: 2 sf32: -3 sf64: -4 fl: 3.4028235e38 db: 2.2250738585072014e-308
      b: true s: "\"\\/\b\f\n\r\t\001 \303\251 \360\237\230\200" by: "\377\000"
      color: GREEN nested { a: 1 child { b: "c" } } opt_i32: 0 custom: "x"
      snake_case_name: "y"
      r_i32: [0, -1, 2147483647] r_i64: [-1, 0] r_u64: [18446744073709551615]
      r_s64: [-5] r_f32: [7] r_fl: [0.1, -0.5, inf] r_db: [1e300, -inf]
      r_b: [false, true] r_s: ["", "a"] r_by: ["", "\001"]
      r_color: [COLOR_UNSPECIFIED, RED, 42] r_nested { } r_nested { a: 2 }
      unpacked: [9, 8] r_sf64: [-9223372036854775808]
      m_str { key: "" value: 0 } m_str { key: "z" value: -1 }
      m_i32 { key: -7 value: "a" } m_i64 { key: 8 value { a: 3 } }
      m_u32 { key: 9 value: "b" } m_u64 { key: 10 value: "c" }
      m_s32 { key: -11 value: "d" } m_s64 { key: -12 value: "e" }
      m_f32 { key: 13 value: "f" } m_f64 { key: 14 value: "g" }
      m_sf32 { key: -15 value: "h" } m_sf64 { key: -16 value: "i" }
      m_bool { key: false value: "j" } m_color { key: "k" value: RED }
      m_bytes { key: "l" value: "\002" }
      o_msg { b: "oneof" })");
}

Wkts FullWkts() {
  return FromText<Wkts>(R"(
      ts { seconds: 1234567890 nanos: 120000000 } dur { seconds: -5 nanos: -1 }
      mask { paths: ["a_b.c_d", "e"] }
      st { fields { key: "n" value { number_value: -1.25 } }
           fields { key: "l" value { list_value { values { string_value: "s" }
                                                  values { bool_value: true } } } } }
      val { struct_value { fields { key: "x" value { null_value: NULL_VALUE } } } }
      lv { values { number_value: 3 } }
      any { [type.googleapis.com/protogate.transcoding.test.Nested] { a: 5 } }
      empty { }
      w_double { value: 1.5 } w_float { value: -2 } w_i64 { value: -3 }
      w_u64 { value: 4 } w_i32 { value: 5 } w_u32 { value: 6 }
      w_bool { value: true } w_str { value: "w" } w_bytes { value: "\003" }
      r_ts { seconds: 1 } r_ts { nanos: 1000 }
      r_any { [type.googleapis.com/google.protobuf.Timestamp] { seconds: 2 } }
      r_any { [type.googleapis.com/google.protobuf.Value] { string_value: "v" } }
      r_val { bool_value: false } m_val { key: "q" value { number_value: 0 } }
      r_wrap { value: 1 })");
}

template <typename T>
void ExpectRoundTrips(const T& original) {
  // Ours prints what libprotobuf prints (as JSON values).
  absl::StatusOr<std::string> ours = Print(original);
  ASSERT_TRUE(ours.ok()) << ours.status();
  EXPECT_TRUE(JsonEquals(*ours, LibJson(original)))
      << "ours: " << *ours << "\nlib:  " << LibJson(original);
  // Ours parses libprotobuf's JSON to the same message.
  absl::StatusOr<T> parsed = Parse<T>(LibJson(original));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(Same(*parsed, original)) << parsed->ShortDebugString();
  // libprotobuf parses our JSON to the same message.
  T lib_parsed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(*ours, &lib_parsed).ok());
  EXPECT_TRUE(Same(lib_parsed, original));
  // Pretty output is the same JSON value.
  PrintOptions pretty;
  pretty.indent = 4;
  absl::StatusOr<std::string> indented = Print(original, pretty);
  ASSERT_TRUE(indented.ok());
  EXPECT_TRUE(JsonEquals(*indented, *ours));
}

TEST(OracleTest, FullScalarsRoundTrip) { ExpectRoundTrips(FullScalars()); }
TEST(OracleTest, FullWktsRoundTrip) { ExpectRoundTrips(FullWkts()); }

TEST(OracleTest, EmitUnpopulatedMatchesLibprotobuf) {
  PrintOptions options;
  options.emit_unpopulated = true;
  google::protobuf::util::JsonPrintOptions lib_options;
  lib_options.always_print_primitive_fields = true;
  for (const Scalars& m :
       {Scalars(), FromText<Scalars>("o_int: 0 nested {}")}) {
    std::string lib;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(m, &lib, lib_options).ok());
    absl::StatusOr<std::string> ours = Print(m, options);
    ASSERT_TRUE(ours.ok());
    EXPECT_TRUE(JsonEquals(*ours, lib)) << *ours << "\n" << lib;
  }
}

// Random messages: mutate FullScalars by clearing random fields.
TEST(OracleTest, RandomSubsetsRoundTrip) {
  std::mt19937 rng(42);
  const Scalars full = FullScalars();
  const auto* d = Scalars::descriptor();
  for (int round = 0; round < 200; ++round) {
    Scalars m = full;
    for (int i = 0; i < d->field_count(); ++i) {
      if (rng() % 2) m.GetReflection()->ClearField(&m, d->field(i));
    }
    SCOPED_TRACE(m.ShortDebugString());
    ExpectRoundTrips(m);
  }
}

std::string Mutate(std::string s, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !s.empty(); ++i) {
    const size_t pos = rng() % s.size();
    switch (rng() % 3) {
      case 0:
        s[pos] = static_cast<char>(rng());
        break;
      case 1:
        s.erase(pos, 1 + rng() % 8);
        break;
      default:
        s.insert(pos, 1, "{}[]\",:0e-\\"[rng() % 11]);
    }
  }
  return s;
}

// Corrupted input never crashes; whatever is accepted is consistent.
TEST(OracleTest, MutatedInputsAreRejectedOrConsistent) {
  std::mt19937 rng(7);
  const std::string scalars_json = LibJson(FullScalars());
  const std::string wire = FullScalars().SerializeAsString();
  const MessageCodec& codec = testing::CodecOf(Scalars::descriptor());
  for (int i = 0; i < 3000; ++i) {
    std::string out;
    const std::string bad_json = Mutate(scalars_json, rng);
    if (JsonToWire(testing::Codecs(), codec, bad_json, ParseOptions(), &out)
            .ok()) {
      Scalars m;
      EXPECT_TRUE(m.ParseFromString(out)) << bad_json;
    }
    const std::string bad_wire = Mutate(wire, rng);
    out.clear();
    if (WireToJson(testing::Codecs(), codec, bad_wire, PrintOptions(), &out)
            .ok()) {
      rapidjson::Document d;
      d.Parse(out.data(), out.size());
      EXPECT_FALSE(d.HasParseError()) << out;
    }
  }
}

TEST(OracleTest, ParsedWireIsByteIdenticalForCanonicalJson) {
  // For messages without maps, our wire is the canonical serialization.
  Scalars m = FullScalars();
  m.clear_m_str(), m.clear_m_i32(), m.clear_m_i64(), m.clear_m_u32();
  m.clear_m_u64(), m.clear_m_s32(), m.clear_m_s64(), m.clear_m_f32();
  m.clear_m_f64(), m.clear_m_sf32(), m.clear_m_sf64(), m.clear_m_bool();
  m.clear_m_color(), m.clear_m_bytes();
  std::string wire;
  ASSERT_TRUE(JsonToWire(testing::Codecs(),
                         testing::CodecOf(Scalars::descriptor()), LibJson(m),
                         ParseOptions(), &wire)
                  .ok());
  EXPECT_EQ(wire, m.SerializeAsString());
}

TEST(DependencyTest, LibraryIncludesNoGrpcppOrBoost) {
  // ctest runs the tests in the source root (protogate_cc_test); __FILE__
  // is relative to the build tree when ccache rewrites paths (base_dir).
  const std::filesystem::path dir = "gateway/transcoding";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_FALSE(absl::StrContains(text.str(), "#include \"grpcpp/"))
        << entry.path();
    EXPECT_FALSE(absl::StrContains(text.str(), "#include <grpcpp/"))
        << entry.path();
    EXPECT_FALSE(absl::StrContains(text.str(), "#include \"boost/"))
        << entry.path();
    EXPECT_FALSE(absl::StrContains(text.str(), "#include <boost/"))
        << entry.path();
    ++files;
  }
  EXPECT_GT(files, 5);
}

TEST(CodecSetTest, FindsCompiledTypesAndResolvesOthersByName) {
  const CodecSet& codecs = testing::Codecs();
  EXPECT_NE(codecs.Find(test::Nested::descriptor()), nullptr);
  EXPECT_NE(codecs.FindByName("demo.bookstore.v1.Author"), nullptr);
  EXPECT_EQ(codecs.FindByName("no.such.Type"), nullptr);
  // Not reachable from the roots: compiled on demand for Any.
  const MessageCodec* api = codecs.FindByName("google.protobuf.Api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api, codecs.FindByName("google.protobuf.Api"));
  EXPECT_NE(api->FindByJsonOrProtoName("sourceContext"), nullptr);
  EXPECT_NE(api->FindByJsonOrProtoName("source_context"), nullptr);
  EXPECT_EQ(api->FindByProtoName("sourceContext"), nullptr);
}

TEST(CodecSetTest, ConcurrentUseIsSafe) {
  const Wkts wkts = FullWkts();
  const std::string wire = wkts.SerializeAsString();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wire] {
      for (int i = 0; i < 200; ++i) {
        std::string json;
        ASSERT_TRUE(WireToJson(testing::Codecs(),
                               testing::CodecOf(Wkts::descriptor()), wire,
                               PrintOptions(), &json)
                        .ok());
        std::string again;
        ASSERT_TRUE(JsonToWire(testing::Codecs(),
                               testing::CodecOf(Wkts::descriptor()), json,
                               ParseOptions(), &again)
                        .ok());
        ASSERT_NE(testing::Codecs().FindByName("google.protobuf.Type"),
                  nullptr);
      }
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(CodecSetTest, BuildRejectsNullRoot) {
  const google::protobuf::Descriptor* roots[] = {nullptr};
  EXPECT_EQ(CodecSet::Build(*google::protobuf::DescriptorPool::generated_pool(),
                            roots)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace protogate::transcoding
