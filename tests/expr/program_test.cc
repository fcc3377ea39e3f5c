#include "expr/program.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace protogate::expr {
namespace {

using ::testing::HasSubstr;

// pkg.Item {string name = 1; repeated int64 ids = 2; Item child = 3;
//           uint32 count = 4; bytes blob = 5}
constexpr char kFile[] = R"pb(
  name: "item.proto"
  package: "pkg"
  syntax: "proto3"
  message_type {
    name: "Item"
    field { name: "name" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "ids" number: 2 type: TYPE_INT64 label: LABEL_REPEATED }
    field {
      name: "child"
      number: 3
      type: TYPE_MESSAGE
      type_name: ".pkg.Item"
      label: LABEL_OPTIONAL
    }
    field { name: "count" number: 4 type: TYPE_UINT32 label: LABEL_OPTIONAL }
    field { name: "blob" number: 5 type: TYPE_BYTES label: LABEL_OPTIONAL }
  }
)pb";

class ProgramTest : public ::testing::Test {
 protected:
  ProgramTest() {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kFile, &file));
    EXPECT_NE(pool_.BuildFile(file), nullptr);
    item_type_ = pool_.FindMessageTypeByName("pkg.Item");
    factory_ =
        std::make_unique<google::protobuf::DynamicMessageFactory>(&pool_);
    item_.reset(factory_->GetPrototype(item_type_)->New());
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(name: "apple"
             ids: [ 1, 2, 3 ]
             child { name: "seed" }
             count: 7
             blob: "\x01\x02")pb",
        item_.get()));
    request_ = env_.Declare("request", Type::Message(*item_type_));
    step_ = env_.Declare("steps.a.response", Type::Message(*item_type_));
  }

  struct Vars : Activation {
    explicit Vars(const google::protobuf::Message& m) : msg(m) {}
    Value Get(int) const override { return Value::Message(msg); }
    const google::protobuf::Message& msg;
  };

  Value Run(const std::string& text) {
    auto p = Program::Compile(text, env_);
    EXPECT_TRUE(p.ok()) << text << ": " << p.status();
    if (!p.ok()) return Value::Error(p.status());
    return (*p)->Eval(Vars(*item_));
  }

  absl::Status CompileError(const std::string& text) {
    return Program::Compile(text, env_).status();
  }

  google::protobuf::DescriptorPool pool_;
  const google::protobuf::Descriptor* item_type_ = nullptr;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::unique_ptr<google::protobuf::Message> item_;
  Env env_;
  int request_ = -1, step_ = -1;
};

TEST_F(ProgramTest, EvaluatesArithmeticWithPrecedence) {
  Value v = Run("1 + 2 * 3 - 8 / 4 % 3");
  ASSERT_EQ(v.kind(), ValueKind::kInt);
  EXPECT_EQ(v.int_value(), 5);
  EXPECT_EQ(Run("2.5 * 2.0").double_value(), 5.0);
  EXPECT_EQ(Run("7u / 2u").uint_value(), 3u);
}

TEST_F(ProgramTest, IntegerOverflowAndDivisionByZeroAreErrors) {
  EXPECT_TRUE(Run("9223372036854775807 + 1").is_error());
  EXPECT_TRUE(Run("-9223372036854775808 - 1").is_error());
  EXPECT_TRUE(Run("0u - 1u").is_error());
  EXPECT_TRUE(Run("1 / 0").is_error());
  EXPECT_EQ(Run("-9223372036854775808").int_value(), INT64_MIN);
}

TEST_F(ProgramTest, LogicAbsorbsErrorsCommutatively) {
  EXPECT_TRUE(Run("1 / 0 > 0 || true").bool_value());
  EXPECT_TRUE(Run("true || 1 / 0 > 0").bool_value());
  EXPECT_FALSE(Run("1 / 0 > 0 && false").bool_value());
  EXPECT_TRUE(Run("1 / 0 > 0 && true").is_error());
  EXPECT_EQ(Run("request.count > 5u ? 'many' : 'few'").string_value(), "many");
}

TEST_F(ProgramTest, SelectsFieldsOfDeclaredMessages) {
  EXPECT_EQ(Run("request.name").string_value(), "apple");
  EXPECT_EQ(Run("steps.a.response.child.name").string_value(), "seed");
  EXPECT_TRUE(
      Run("has(request.child) && !has(request.child.child)").bool_value());
  EXPECT_EQ(Run("size(request.ids) + request.ids.size()").int_value(), 6);
  EXPECT_EQ(Run("request.ids[2]").int_value(), 3);
  EXPECT_TRUE(Run("request.ids[3]").is_error());
  EXPECT_TRUE(Run("2 in request.ids && !(5 in request.ids)").bool_value());
  EXPECT_EQ(Run("size(request.blob)").int_value(), 2);
}

TEST_F(ProgramTest, MacrosIterateRepeatedFields) {
  Value doubled = Run("request.ids.map(x, x * 2)");
  ASSERT_EQ(doubled.kind(), ValueKind::kList);
  ASSERT_EQ(doubled.ListSize(), 3);
  EXPECT_EQ(doubled.ListAt(2).int_value(), 6);
  EXPECT_EQ(Run("request.ids.filter(x, x % 2 == 1).size()").int_value(), 2);
  EXPECT_TRUE(Run("request.ids.all(x, x > 0)").bool_value());
  EXPECT_TRUE(Run("request.ids.exists_one(x, x == 2)").bool_value());
  EXPECT_FALSE(Run("request.ids.exists(x, x > 3)").bool_value());
  EXPECT_TRUE(Run("[1, 0].exists(x, 1 / x == 1)").bool_value());
}

TEST_F(ProgramTest, StringFunctionsUseRe2) {
  EXPECT_TRUE(
      Run("request.name.startsWith('ap') && request.name.endsWith('le')")
          .bool_value());
  EXPECT_TRUE(Run("request.name.contains('ppl')").bool_value());
  EXPECT_TRUE(Run("request.name.matches('^a(p+)le$')").bool_value());
  EXPECT_FALSE(Run("matches(request.name, '^b')").bool_value());
  EXPECT_THAT(CompileError("request.name.matches('(')").message(),
              HasSubstr("invalid regular expression"));
}

TEST_F(ProgramTest, ConvertsBetweenTypes) {
  EXPECT_EQ(Run("int('42') + 1").int_value(), 43);
  EXPECT_EQ(Run("string(1.5) + string(2u)").string_value(), "1.52");
  EXPECT_EQ(Run("double(request.count)").double_value(), 7.0);
  EXPECT_TRUE(Run("int('x')").is_error());
  EXPECT_EQ(Run("string(timestamp('2024-01-01T00:00:00Z') + duration('90m'))")
                .string_value(),
            "2024-01-01T01:30:00Z");
  EXPECT_EQ(
      Run("timestamp('2024-03-01T10:00:00Z').getHours('+02:00')").int_value(),
      12);
}

TEST_F(ProgramTest, TypeErrorsNameTheColumn) {
  absl::Status st = CompileError("request.name + 1");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("column 14"));
  EXPECT_THAT(
      st.message(),
      HasSubstr("no matching overload for '_+_' applied to (string, int)"));
  EXPECT_THAT(CompileError("request.nope").message(),
              HasSubstr("no field \"nope\" in pkg.Item"));
  EXPECT_THAT(CompileError("missing.x").message(),
              HasSubstr("undeclared reference to \"missing\""));
  EXPECT_THAT(CompileError("request.ids.all(x, x)").message(),
              HasSubstr("must be bool"));
  EXPECT_THAT(CompileError("1 +").message(), HasSubstr("syntax error"));
}

TEST_F(ProgramTest, DeepNestingIsRejectedNotRecursedInto) {
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_THAT(CompileError(chain).message(), HasSubstr("nests too deeply"));
  std::string select = "request";
  for (int i = 0; i < 5000; ++i) select += ".child";
  EXPECT_THAT(CompileError(select).message(), HasSubstr("nests too deeply"));
  std::string parens(5000, '(');
  EXPECT_THAT(CompileError(parens + "1" + std::string(5000, ')')).message(),
              HasSubstr("nests too deeply"));
  // Siblings do not add up: 300 short sums in a list are fine.
  std::string list = "[";
  for (int i = 0; i < 300; ++i) list += "1 + 1, ";
  EXPECT_EQ(Run(list + "1].size()").int_value(), 301);
}

TEST_F(ProgramTest, ReportsStaticTypeAndVariables) {
  auto p = Program::Compile("steps.a.response.ids.map(x, string(x))", env_);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->type().DebugString(), "list(string)");
  EXPECT_EQ((*p)->variables(), std::vector<int>{step_});
  auto c = Program::Compile("1 + 2", env_);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE((*c)->is_constant());
}

}  // namespace
}  // namespace protogate::expr
