// LoadDescriptors: descriptor sets, compiled .proto files and reflected
// files combine into one pool by the documented precedence.
#include "gateway/proxy/descriptor_sources.h"

#include "demo/bookstore.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/child_process.h"

namespace protogate::proxy {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string BookstoreSet() {
  return testing::BinDir() + "/proto/bookstore.binpb";
}

std::vector<std::string> Names(const LoadedDescriptors& loaded) {
  std::vector<std::string> names;
  for (const auto* service : loaded.services) {
    names.push_back(service->full_name());
  }
  return names;
}

void AddWithImports(const google::protobuf::FileDescriptor& file,
                    ReflectedDescriptors& r) {
  for (int i = 0; i < file.dependency_count(); ++i) {
    AddWithImports(*file.dependency(i), r);
  }
  google::protobuf::FileDescriptorProto proto;
  file.CopyTo(&proto);
  r.files[proto.name()] = proto.SerializeAsString();
}

// The bookstore's files as a reflection source would serve them, with an
// extra field in Shelf to tell the copies apart.
ReflectedDescriptors ReflectedBookstore(const std::string& target) {
  ReflectedDescriptors r{.target = target,
                         .services = {"demo.bookstore.v1.Bookstore"}};
  const auto* file = demo::bookstore::v1::Shelf::descriptor()->file();
  AddWithImports(*file, r);
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  for (auto& message : *proto.mutable_message_type()) {
    if (message.name() != "Shelf") continue;
    auto* field = message.add_field();
    field->set_name("reflected_only");
    field->set_number(999);
    field->set_type(google::protobuf::FieldDescriptorProto::TYPE_BOOL);
    field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  }
  r.files[proto.name()] = proto.SerializeAsString();
  return r;
}

TEST(DescriptorSourcesTest, ProtosAloneServeTheRequestedFilesServices) {
  auto loaded = LoadDescriptors(
      {.protos = {"demo/bookstore.proto"}, .proto_paths = {"proto"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(*loaded), ElementsAre("demo.bookstore.v1.Bookstore"));
  EXPECT_THAT(loaded->disk_files,
              ElementsAre("proto/google/api/http.proto",
                          "proto/google/api/annotations.proto",
                          "proto/google/api/httpbody.proto",
                          "proto/demo/bookstore.proto"));
}

TEST(DescriptorSourcesTest, AFileInASetAndInProtosIsTakenFromTheSet) {
  auto loaded = LoadDescriptors({.descriptor_sets = {BookstoreSet()},
                                 .protos = {"demo/bookstore.proto"},
                                 .proto_paths = {"proto"}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(*loaded), ElementsAre("demo.bookstore.v1.Bookstore"));
}

TEST(DescriptorSourcesTest, DescriptorSetsShadowReflectedFiles) {
  auto loaded = LoadDescriptors({.descriptor_sets = {BookstoreSet()},
                                 .reflected = {ReflectedBookstore("b:1")}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(*loaded), ElementsAre("demo.bookstore.v1.Bookstore"));
  const auto* shelf =
      loaded->pool->FindMessageTypeByName("demo.bookstore.v1.Shelf");
  ASSERT_NE(shelf, nullptr);
  EXPECT_EQ(shelf->FindFieldByName("reflected_only"), nullptr);
}

TEST(DescriptorSourcesTest, ReflectionAloneServesTheListedServices) {
  auto loaded = LoadDescriptors({.reflected = {ReflectedBookstore("b:1")}});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(Names(*loaded), ElementsAre("demo.bookstore.v1.Bookstore"));
  const auto* shelf =
      loaded->pool->FindMessageTypeByName("demo.bookstore.v1.Shelf");
  EXPECT_NE(shelf->FindFieldByName("reflected_only"), nullptr);
  // The builtin google.rpc types are there for error details.
  EXPECT_NE(loaded->pool->FindMessageTypeByName("google.rpc.BadRequest"),
            nullptr);
}

TEST(DescriptorSourcesTest, AListedServiceWithoutItsFileIsNamed) {
  ReflectedDescriptors r = ReflectedBookstore("b:1");
  r.services.push_back("demo.Missing");
  auto loaded = LoadDescriptors({.reflected = {r}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("reflection b:1: service \"demo.Missing\""));
}

TEST(DescriptorSourcesTest, ReflectedServicesGetTheirTargetUnlessNamed) {
  ReflectedDescriptors a{.target = "a:1", .services = {"x.v1.A", "y.B"}};
  ReflectedDescriptors b{.target = "b:1", .services = {"y.B", "z.C"}};
  google::protobuf::RepeatedPtrField<config::v1::Backend> backends;
  config::v1::Backend* x = backends.Add();
  x->set_service("x");
  x->set_target("x:1");
  AddReflectionBackends({a, b}, backends);
  std::vector<std::string> pairs;
  for (const auto& backend : backends) {
    pairs.push_back(backend.service() + "=" + backend.target());
  }
  EXPECT_THAT(pairs, UnorderedElementsAre("x=x:1", "y.B=a:1", "z.C=b:1"));
}

}  // namespace
}  // namespace protogate::proxy
