#include "gateway/descriptors/descriptor_set_source.h"

#include <fstream>

#include "demo/bookstore.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace protogate::descriptors {
namespace {

using ::google::protobuf::FileDescriptorProto;
using ::google::protobuf::FileDescriptorSet;
using ::testing::HasSubstr;

std::string DemoSetPath() { return testing::BinDir() + "/proto/demo.binpb"; }

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(DescriptorSetSourceTest, LoadsTheDemoSet) {
  auto pool = LoadDescriptorSets({DemoSetPath()});
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_NE((*pool)->FindServiceByName("demo.bookstore.v1.Bookstore"), nullptr);
  EXPECT_NE((*pool)->FindMessageTypeByName("google.protobuf.Timestamp"),
            nullptr);
}

TEST(DescriptorSetSourceTest, SameSetTwiceIsFine) {
  auto pool = LoadDescriptorSets({DemoSetPath(), DemoSetPath()});
  EXPECT_TRUE(pool.ok()) << pool.status();
}

TEST(DescriptorSetSourceTest, MissingFileIsNotFoundNamingIt) {
  auto pool = LoadDescriptorSets({"/nonexistent/x.binpb"});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(pool.status().message()),
              HasSubstr("\"/nonexistent/x.binpb\": cannot open file"));
}

TEST(DescriptorSetSourceTest, GarbageIsInvalidArgumentNamingTheFile) {
  std::string path = WriteTemp("garbage.binpb", "this is not protobuf\xff\xff");
  auto pool = LoadDescriptorSets({path});
  ASSERT_FALSE(pool.ok());
  EXPECT_EQ(pool.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(pool.status().message()),
              HasSubstr("not a FileDescriptorSet"));
}

TEST(DescriptorSetSourceTest, MissingImportSaysIncludeImports) {
  FileDescriptorSet set;
  demo::bookstore::v1::Book::descriptor()->file()->CopyTo(set.add_file());
  auto pool = BuildPool({set});
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(std::string(pool.status().message()),
              HasSubstr("--include_imports"));
}

TEST(DescriptorSetSourceTest, ConflictingDuplicateFileIsRejected) {
  FileDescriptorSet a, b;
  FileDescriptorProto file;
  file.set_name("x.proto");
  file.set_package("x");
  *a.add_file() = file;
  file.add_message_type()->set_name("M");
  *b.add_file() = file;
  auto pool = BuildPool({a, b});
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(std::string(pool.status().message()),
              HasSubstr("\"x.proto\" appears twice with different contents"));
}

TEST(DescriptorSetSourceTest, InvalidDescriptorIsRejectedNamingTheFile) {
  FileDescriptorSet set;
  FileDescriptorProto* file = set.add_file();
  file->set_name("bad.proto");
  auto* message = file->add_message_type();
  message->set_name("M");
  auto* field = message->add_field();
  field->set_name("f");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_MESSAGE);
  field->set_type_name(".nope.Missing");
  auto pool = BuildPool({set});
  ASSERT_FALSE(pool.ok());
  EXPECT_THAT(std::string(pool.status().message()), HasSubstr("bad.proto"));
}

}  // namespace
}  // namespace protogate::descriptors
