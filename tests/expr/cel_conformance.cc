// CelConformance: runs the official CEL conformance tests (cel-spec's
// `simple` test files) of the sections protogate's expression library
// claims, from the JSON that tools/node/cel_conformance_json.cjs writes
// (path in $CEL_CONFORMANCE_JSON; tests/expr/run_conformance.sh sets it).
//
// Each test is compiled against its declared variables (strictly checked
// unless it says disable_check) and evaluated with its bindings. A test
// expecting a value passes when the result has the same kind and value
// (NaN equals NaN); one expecting an error passes when compiling or
// evaluating fails. Prints ran/passed/skipped per section.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "expr/program.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace protogate::expr {
namespace {

using JsonValue = rapidjson::Value;

std::string Str(const JsonValue& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

// Type names must outlive the values (Value::TypeName borrows).
std::string_view Intern(const std::string& s) {
  static auto* names = new std::set<std::string>();
  return *names->insert(s).first;
}

// Proto-JSON cel.expr.Value to a Value; false when unsupported.
bool ToValue(const JsonValue& j, Value* out);

bool ToObject(const JsonValue& j, Value* out) {
  const std::string type = Str(j["@type"]);
  if (!j.HasMember("value") || !j["value"].IsString()) return false;
  const std::string text = Str(j["value"]);
  std::string err;
  if (absl::EndsWith(type, "google.protobuf.Duration")) {
    absl::Duration d;
    if (!absl::ParseDuration(text, &d)) return false;
    *out = Value::Duration(d);
    return true;
  }
  if (absl::EndsWith(type, "google.protobuf.Timestamp")) {
    absl::Time t;
    if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return false;
    *out = Value::Timestamp(t);
    return true;
  }
  return false;
}

bool ToValue(const JsonValue& j, Value* out) {
  if (j.HasMember("nullValue")) {
    *out = Value::Null();
  } else if (j.HasMember("boolValue")) {
    *out = Value::Bool(j["boolValue"].GetBool());
  } else if (j.HasMember("int64Value")) {
    int64_t i = 0;
    const JsonValue& v = j["int64Value"];
    if (v.IsString() ? !absl::SimpleAtoi(Str(v), &i)
                     : (i = v.GetInt64(), false))
      return false;
    *out = Value::Int(i);
  } else if (j.HasMember("uint64Value")) {
    uint64_t u = 0;
    const JsonValue& v = j["uint64Value"];
    if (v.IsString() ? !absl::SimpleAtoi(Str(v), &u)
                     : (u = v.GetUint64(), false))
      return false;
    *out = Value::Uint(u);
  } else if (j.HasMember("doubleValue")) {
    const JsonValue& v = j["doubleValue"];
    double d = 0;
    if (v.IsString()) {
      const std::string s = Str(v);
      d = s == "NaN" ? NAN : s == "Infinity" ? INFINITY : -INFINITY;
    } else {
      d = v.GetDouble();
    }
    *out = Value::Double(d);
  } else if (j.HasMember("stringValue")) {
    *out = Value::String(Str(j["stringValue"]));
  } else if (j.HasMember("bytesValue")) {
    std::string bytes;
    if (!absl::Base64Unescape(Str(j["bytesValue"]), &bytes)) return false;
    *out = Value::Bytes(std::move(bytes));
  } else if (j.HasMember("listValue")) {
    ValueList list;
    const JsonValue& lv = j["listValue"];
    if (lv.HasMember("values")) {
      for (const auto& e : lv["values"].GetArray()) {
        if (!ToValue(e, &list.emplace_back())) return false;
      }
    }
    *out = Value::List(std::move(list));
  } else if (j.HasMember("mapValue")) {
    MapEntries entries;
    const JsonValue& mv = j["mapValue"];
    if (mv.HasMember("entries")) {
      for (const auto& e : mv["entries"].GetArray()) {
        auto& entry = entries.emplace_back();
        if (!ToValue(e["key"], &entry.first) ||
            !ToValue(e["value"], &entry.second))
          return false;
      }
    }
    *out = Value::Map(std::move(entries));
  } else if (j.HasMember("typeValue")) {
    *out = Value::TypeName(Intern(Str(j["typeValue"])));
  } else if (j.HasMember("objectValue")) {
    return ToObject(j["objectValue"], out);
  } else {
    return false;
  }
  return true;
}

// Same kind and value; stricter than CEL ==, as conformance wants.
bool SameValue(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kDouble:
      return (std::isnan(a.double_value()) && std::isnan(b.double_value())) ||
             a.double_value() == b.double_value();
    case ValueKind::kList:
      if (a.ListSize() != b.ListSize()) return false;
      for (int i = 0; i < a.ListSize(); ++i) {
        if (!SameValue(a.ListAt(i), b.ListAt(i))) return false;
      }
      return true;
    case ValueKind::kMap:
      if (a.map_entries().size() != b.map_entries().size()) return false;
      for (const auto& [k, v] : a.map_entries()) {
        bool found = false;
        for (const auto& [k2, v2] : b.map_entries()) {
          if (SameValue(k, k2)) found = SameValue(v, v2);
        }
        if (!found) return false;
      }
      return true;
    default:
      return ValuesEqual(a, b);
  }
}

Type ToType(const JsonValue& t) {
  if (t.HasMember("primitive")) {
    const std::string p = Str(t["primitive"]);
    if (p == "INT64") return Type::Int();
    if (p == "UINT64") return Type::Uint();
    if (p == "DOUBLE") return Type::Double();
    if (p == "STRING") return Type::String();
    if (p == "BYTES") return Type::Bytes();
    if (p == "BOOL") return Type::Bool();
  }
  if (t.HasMember("listType") && t["listType"].HasMember("elemType")) {
    return Type::List(ToType(t["listType"]["elemType"]));
  }
  if (t.HasMember("mapType")) {
    return Type::Map(ToType(t["mapType"]["keyType"]),
                     ToType(t["mapType"]["valueType"]));
  }
  if (t.HasMember("wellKnown")) {
    const std::string w = Str(t["wellKnown"]);
    if (w == "TIMESTAMP") return Type::Timestamp();
    if (w == "DURATION") return Type::Duration();
  }
  if (t.HasMember("null")) return Type::Null();
  return Type::Dyn();
}

class Bindings : public Activation {
 public:
  Value Get(int index) const override {
    if (index < static_cast<int>(values.size()) && set[index])
      return values[index];
    return Value::Error(absl::InvalidArgumentError("no value bound"));
  }
  std::vector<Value> values;
  std::vector<bool> set;
};

enum class Outcome { kPass, kFail, kSkip };

// Runs one test; `why` says what failed or why it was skipped.
Outcome RunOne(const JsonValue& test, std::string* why) {
  Env env;
  Bindings bindings;
  if (test.HasMember("typeEnv")) {
    for (const auto& decl : test["typeEnv"].GetArray()) {
      if (!decl.HasMember("ident")) continue;
      const JsonValue& ident = decl["ident"];
      env.Declare(Str(decl["name"]), ident.HasMember("type")
                                         ? ToType(ident["type"])
                                         : Type::Dyn());
    }
  }
  if (test.HasMember("bindings")) {
    for (const auto& b : test["bindings"].GetObject()) {
      const int index = env.Declare(Str(b.name), Type::Dyn());
      bindings.values.resize(env.size());
      bindings.set.resize(env.size());
      if (!b.value.HasMember("value") ||
          !ToValue(b.value["value"], &bindings.values[index])) {
        *why = "binding not representable";
        return Outcome::kSkip;
      }
      bindings.set[index] = true;
    }
  }
  const bool lenient =
      test.HasMember("disableCheck") && test["disableCheck"].GetBool();
  const bool want_error = test.HasMember("evalError");
  auto program =
      Program::Compile(Str(test["expr"]), env,
                       lenient ? CheckMode::kLenient : CheckMode::kStrict);
  if (!program.ok()) {
    if (want_error) return Outcome::kPass;
    *why = absl::StrCat("compile: ", program.status().message());
    return Outcome::kFail;
  }
  if (test.HasMember("checkOnly") && test["checkOnly"].GetBool())
    return Outcome::kPass;
  const Value result = (*program)->Eval(bindings);
  if (want_error) {
    if (result.is_error()) return Outcome::kPass;
    *why = absl::StrCat("want an error, got ", result.DebugString());
    return Outcome::kFail;
  }
  Value want;
  if (!test.HasMember("value")) {
    want = Value::Bool(true);  // typedResult or no expectation: must be true.
    if (test.HasMember("typedResult") &&
        test["typedResult"].HasMember("result") &&
        !ToValue(test["typedResult"]["result"], &want)) {
      *why = "expected value not representable";
      return Outcome::kSkip;
    }
  } else if (!ToValue(test["value"], &want)) {
    *why = "expected value not representable";
    return Outcome::kSkip;
  }
  if (SameValue(result, want)) return Outcome::kPass;
  *why =
      absl::StrCat("want ", want.DebugString(), ", got ", result.DebugString());
  return Outcome::kFail;
}

TEST(CelConformance, ClaimedSectionsPass) {
  const char* path = std::getenv("CEL_CONFORMANCE_JSON");
  ASSERT_NE(path, nullptr) << "run through tests/expr/run_conformance.sh";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  // With its length: RapidJSON's SSE2 string scan reads 16 bytes at a time
  // and, given a C string, past its end (ASan reports it).
  const std::string json = text.str();
  doc.Parse<rapidjson::kParseFullPrecisionFlag>(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError());
  int total_ran = 0, total_passed = 0, total_skipped = 0;
  std::printf("cel-spec %s\n%-40s %5s %6s %7s\n", doc["cel_spec"].GetString(),
              "section", "ran", "passed", "skipped");
  for (const auto& section : doc["sections"].GetArray()) {
    const std::string name = Str(section["name"]);
    int ran = 0, passed = 0,
        skipped = static_cast<int>(section["skipped"].Size());
    for (const auto& test : section["tests"].GetArray()) {
      std::string why;
      const Outcome o = RunOne(test, &why);
      if (o == Outcome::kSkip) {
        ++skipped;
        continue;
      }
      ++ran;
      if (o == Outcome::kPass) {
        ++passed;
      } else {
        ADD_FAILURE() << name << "/" << Str(test["name"]) << ": "
                      << Str(test["expr"]) << ": " << why;
      }
    }
    std::printf("%-40s %5d %6d %7d\n", name.c_str(), ran, passed, skipped);
    total_ran += ran;
    total_passed += passed;
    total_skipped += skipped;
  }
  std::printf("%-40s %5d %6d %7d\n", "total", total_ran, total_passed,
              total_skipped);
  EXPECT_GT(total_ran, 0);
}

}  // namespace
}  // namespace protogate::expr
