// Descriptor pools for the codegen tests.
//
// DemoPool: the demo descriptor set written by the build
// ($PROTOGATE_TEST_BIN_DIR/proto/demo.binpb, with source info, so comments
// reach the generated output as they do through protoc).
// TextPool: a pool built from .proto text (file "test.proto") that may
// import google/api/annotations.proto and the well-known types.
//
// Thread safety: test-local, not thread-safe. Ownership: descriptors live
// as long as the pool object.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/compiler/parser.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace protogate::codegen::testing {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string BinDir() {
  const char* dir = std::getenv("PROTOGATE_TEST_BIN_DIR");
  return dir == nullptr ? "build" : dir;
}

class TestPool {
 public:
  // Builds the pool from a serialized FileDescriptorSet at `path`.
  absl::Status AddDescriptorSet(const std::string& path) {
    (void)google::api::http.number();  // Keeps the extension linked.
    google::protobuf::FileDescriptorSet set;
    if (!set.ParseFromString(ReadFile(path))) {
      return absl::NotFoundError(absl::StrCat("cannot read ", path));
    }
    for (const auto& file : set.file()) {
      if (pool_.BuildFile(file) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("bad ", file.name()));
      }
    }
    return absl::OkStatus();
  }

  // Parses and builds `text` as "test.proto".
  absl::Status AddText(const std::string& text) {
    AddGeneratedDependencies();
    google::protobuf::io::ArrayInputStream input(text.data(),
                                                 static_cast<int>(text.size()));
    Errors errors;
    google::protobuf::io::Tokenizer tokenizer(&input, &errors);
    google::protobuf::compiler::Parser parser;
    parser.RecordErrorsTo(&errors);
    google::protobuf::FileDescriptorProto file;
    file.set_name("test.proto");
    if (!parser.Parse(&tokenizer, &file) ||
        pool_.BuildFileCollectingErrors(file, &errors) == nullptr) {
      return absl::InvalidArgumentError(errors.text);
    }
    return absl::OkStatus();
  }

  const google::protobuf::DescriptorPool& pool() const { return pool_; }

  std::vector<const google::protobuf::ServiceDescriptor*> Services(
      const std::string& file_name) const {
    std::vector<const google::protobuf::ServiceDescriptor*> out;
    const google::protobuf::FileDescriptor* file =
        pool_.FindFileByName(file_name);
    for (int i = 0; file != nullptr && i < file->service_count(); ++i) {
      out.push_back(file->service(i));
    }
    return out;
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
    (void)google::api::http.number();
    for (const char* name :
         {"google/protobuf/descriptor.proto", "google/protobuf/timestamp.proto",
          "google/protobuf/duration.proto", "google/protobuf/wrappers.proto",
          "google/protobuf/empty.proto", "google/protobuf/struct.proto",
          "google/protobuf/any.proto", "google/protobuf/field_mask.proto",
          "google/api/http.proto", "google/api/annotations.proto"}) {
      const google::protobuf::FileDescriptor* generated =
          google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
              name);
      if (generated == nullptr) continue;  // The import error says which.
      google::protobuf::FileDescriptorProto proto;
      generated->CopyTo(&proto);
      pool_.BuildFile(proto);
    }
  }

  google::protobuf::DescriptorPool pool_;
  bool added_ = false;
};

}  // namespace protogate::codegen::testing
