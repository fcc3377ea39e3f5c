// TestPool: a DescriptorPool built at test time from .proto text, for
// services with annotations the generated demo cannot have (bad ones).
//
// The pool first receives the generated google/api and well-known files
// (FileDescriptor::CopyTo), so the text may import "google/api/annotations.
// proto", timestamp, duration, wrappers and empty. Options are parsed with
// the linked generated google.api.http extension.
//
// Thread safety: not thread-safe; test-local. Ownership: descriptors live
// as long as the TestPool.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/compiler/parser.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace protogate::routing::testing {

class TestPool {
 public:
  // Parses and builds `proto_text` as file "test.proto"; InvalidArgument
  // with the parser's or the pool's errors otherwise.
  absl::Status Add(const std::string& proto_text) {
    AddGeneratedDependencies();
    google::protobuf::io::ArrayInputStream input(
        proto_text.data(), static_cast<int>(proto_text.size()));
    Errors errors;
    google::protobuf::io::Tokenizer tokenizer(&input, &errors);
    google::protobuf::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    google::protobuf::FileDescriptorProto file;
    file.set_name("test.proto");
    if (!parser.Parse(&tokenizer, &file)) {
      return absl::InvalidArgumentError(errors.text);
    }
    if (pool_->BuildFileCollectingErrors(file, &errors) == nullptr) {
      return absl::InvalidArgumentError(errors.text);
    }
    return absl::OkStatus();
  }

  const google::protobuf::ServiceDescriptor* Service(const std::string& name) {
    return pool_->FindServiceByName(name);
  }

 private:
  struct Errors : google::protobuf::io::ErrorCollector,
                  google::protobuf::DescriptorPool::ErrorCollector {
    void AddError(int line, int column, const std::string& message) override {
      absl::StrAppend(&text, line + 1, ":", column + 1, ": ", message, "\n");
    }
    void AddError(const std::string& filename, const std::string& element,
                  const google::protobuf::Message*, ErrorLocation,
                  const std::string& message) override {
      absl::StrAppend(&text, filename, ": ", element, ": ", message, "\n");
    }
    std::string text;
  };

  void AddGeneratedDependencies() {
    if (added_) return;
    added_ = true;
    // Referencing the extension keeps annotations.pb.cc linked.
    (void)google::api::http.number();
    for (const char* name :
         {"google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto",
          "google/protobuf/duration.proto", "google/protobuf/wrappers.proto",
          "google/protobuf/empty.proto", "google/api/http.proto",
          "google/api/annotations.proto"}) {
      const google::protobuf::FileDescriptor* generated =
          google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
              name);
      if (generated == nullptr) continue;  // The import error says which.
      google::protobuf::FileDescriptorProto proto;
      generated->CopyTo(&proto);
      pool_->BuildFile(proto);
    }
  }

  std::unique_ptr<google::protobuf::DescriptorPool> pool_ =
      std::make_unique<google::protobuf::DescriptorPool>();
  bool added_ = false;
};

}  // namespace protogate::routing::testing
