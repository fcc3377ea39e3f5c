// TestPlans: the test-only plan protos of tests/aggregator/testdata, compiled
// at test time with compiler::Importer over a DiskSourceTree that maps the
// project's proto/ dir, the testdata dir and the system protobuf includes.
// The plan option is read through the linked generated extension.
//
// Thread safety: Method()/Wire()/Text() are const and may be called from
// fake channel threads. Ownership: descriptors live as long as TestPlans.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace protogate::aggregator::testing {

class TestPlans {
 public:
  TestPlans() : importer_(&tree_, &errors_) {
    tree_.MapPath("", absl::StrCat(PROTOGATE_SOURCE_DIR, "/proto"));
    tree_.MapPath(
        "", absl::StrCat(PROTOGATE_SOURCE_DIR, "/tests/aggregator/testdata"));
    tree_.MapPath("", "/usr/include");
    for (const char* file : {"plans.proto", "bad_plans.proto"}) {
      EXPECT_NE(importer_.Import(file), nullptr) << errors_.text;
    }
    factory_ = std::make_unique<google::protobuf::DynamicMessageFactory>(
        importer_.pool());
  }

  const google::protobuf::DescriptorPool& pool() const {
    return *importer_.pool();
  }

  // "Gateway.Storefront" -> the method of agg.test.Gateway.
  const google::protobuf::MethodDescriptor& Method(
      const std::string& name) const {
    const auto* m = pool().FindMethodByName(absl::StrCat("agg.test.", name));
    EXPECT_NE(m, nullptr) << name;
    return *m;
  }

  // Text format -> wire bytes of message type `type` ("agg.test.User").
  std::string Wire(const std::string& type, const std::string& text) const {
    std::unique_ptr<google::protobuf::Message> m = New(type);
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, m.get()))
        << type << ": " << text;
    return m->SerializeAsString();
  }

  // Wire bytes -> one-line text format.
  std::string Text(const std::string& type, const std::string& wire) const {
    std::unique_ptr<google::protobuf::Message> m = New(type);
    EXPECT_TRUE(m->ParseFromString(wire)) << type;
    return m->ShortDebugString();
  }

 private:
  struct Errors : google::protobuf::compiler::MultiFileErrorCollector {
    void AddError(const std::string& file, int line, int column,
                  const std::string& message) override {
      absl::StrAppend(&text, file, ":", line + 1, ":", column + 1, ": ",
                      message, "\n");
    }
    std::string text;
  };

  std::unique_ptr<google::protobuf::Message> New(
      const std::string& type) const {
    const auto* d = pool().FindMessageTypeByName(type);
    EXPECT_NE(d, nullptr) << type;
    return std::unique_ptr<google::protobuf::Message>(
        factory_->GetPrototype(d)->New());
  }

  google::protobuf::compiler::DiskSourceTree tree_;
  Errors errors_;
  google::protobuf::compiler::Importer importer_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
};

}  // namespace protogate::aggregator::testing
