#include "tests/upstream/reflection_backend.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/impl/server_builder_option.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace protogate::upstream::testing {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

// Linking grpc++_reflection registers its v1alpha plugin for every server
// of the process; this option keeps it on one server (v1alpha) or takes it
// off (v1, so that only our v1 service answers).
class V1AlphaReflectionOption : public grpc::ServerBuilderOption {
 public:
  explicit V1AlphaReflectionOption(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>*
                         plugins) override {
    std::erase_if(*plugins, [](const auto& plugin) {
      return plugin->name() == "proto_server_reflection";
    });
    if (enabled_) {
      plugins->push_back(
          std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  const bool enabled_;
};

void AddFileAndImports(const FileDescriptor& file,
                       absl::flat_hash_set<std::string>& seen,
                       ServerReflectionResponse& response) {
  if (!seen.insert(file.name()).second) return;
  google::protobuf::FileDescriptorProto proto;
  file.CopyTo(&proto);
  response.mutable_file_descriptor_response()->add_file_descriptor_proto(
      proto.SerializeAsString());
  for (int i = 0; i < file.dependency_count(); ++i) {
    AddFileAndImports(*file.dependency(i), seen, response);
  }
}

}  // namespace

void ReflectionV1Service::SetServices(std::vector<std::string> services) {
  absl::MutexLock lock(&mu_);
  services_ = std::move(services);
}

ServerReflectionResponse ReflectionV1Service::Answer(
    const ServerReflectionRequest& request) {
  ServerReflectionResponse response;
  *response.mutable_original_request() = request;
  const DescriptorPool& pool = *DescriptorPool::generated_pool();
  const FileDescriptor* file = nullptr;
  if (request.has_list_services()) {
    absl::MutexLock lock(&mu_);
    for (const std::string& name : services_) {
      response.mutable_list_services_response()->add_service()->set_name(name);
    }
    return response;
  }
  if (request.has_file_by_filename()) {
    file = pool.FindFileByName(request.file_by_filename());
  } else if (request.has_file_containing_symbol()) {
    file = pool.FindFileContainingSymbol(request.file_containing_symbol());
  }
  if (file == nullptr) {
    response.mutable_error_response()->set_error_code(
        static_cast<int>(grpc::StatusCode::NOT_FOUND));
    response.mutable_error_response()->set_error_message("not found");
    return response;
  }
  absl::flat_hash_set<std::string> seen;
  AddFileAndImports(*file, seen, response);
  return response;
}

grpc::Status ReflectionV1Service::ServerReflectionInfo(
    grpc::ServerContext*,
    grpc::ServerReaderWriter<ServerReflectionResponse, ServerReflectionRequest>*
        stream) {
  ServerReflectionRequest request;
  while (stream->Read(&request)) {
    if (!stream->Write(Answer(request))) break;
  }
  return grpc::Status::OK;
}

ReflectionBackend::ReflectionBackend()
    : data_(demo::MakeStorefrontData()),
      catalog_(data_, knobs_),
      v1_({"demo.bookstore.v1.Bookstore"}) {}

ReflectionBackend::~ReflectionBackend() {
  if (server_ != nullptr) server_->Shutdown(std::chrono::system_clock::now());
}

absl::StatusOr<std::unique_ptr<ReflectionBackend>> ReflectionBackend::Start(
    ReflectionVersion version) {
  std::unique_ptr<ReflectionBackend> backend(new ReflectionBackend());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&backend->bookstore_);
  builder.RegisterService(&backend->catalog_);
  if (version == ReflectionVersion::kV1) builder.RegisterService(&backend->v1_);
  builder.SetOption(std::make_unique<V1AlphaReflectionOption>(
      version == ReflectionVersion::kV1Alpha));
  backend->server_ = builder.BuildAndStart();
  if (backend->server_ == nullptr || port == 0) {
    return absl::UnavailableError("reflection backend: cannot listen");
  }
  backend->address_ = absl::StrCat("127.0.0.1:", port);
  return backend;
}

}  // namespace protogate::upstream::testing
