#include "gateway/upstream/reflection_client.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/base/status_macros.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/time.h"

namespace protogate::upstream {
namespace {

using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

constexpr char kV1Method[] =
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";
constexpr char kV1AlphaMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// The stream's status under `where`; a status without a message (gRPC's
// own UNIMPLEMENTED, for one) is named by its code.
absl::Status FromGrpc(const grpc::Status& status, const std::string& where) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  return absl::Status(code, absl::StrCat(where, ": ",
                                         status.error_message().empty()
                                             ? absl::StatusCodeToString(code)
                                             : status.error_message()));
}

// One ServerReflectionInfo stream driven synchronously over a private
// completion queue: one operation in flight at a time.
class ReflectionStream {
 public:
  ReflectionStream(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& method, absl::Time deadline)
      : stub_(channel) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    call_ = stub_.PrepareCall(&context_, method, &cq_);
    call_->StartCall(this);
    ok_ = Wait();
  }
  ~ReflectionStream() {
    if (!finished_) {
      context_.TryCancel();
      Finish();
    }
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  // One request, one response. False once the stream failed: Finish()
  // then has the status.
  bool Exchange(const ServerReflectionRequest& request,
                ServerReflectionResponse& response) {
    if (!ok_) return false;
    std::string bytes = request.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer out(&slice, 1);
    call_->Write(out, this);
    grpc::ByteBuffer in;
    ok_ = Wait();
    if (ok_) {
      call_->Read(&in, this);
      ok_ = Wait();
    }
    std::vector<grpc::Slice> slices;
    if (!ok_ || !in.Dump(&slices).ok()) return ok_ = false;
    bytes.clear();
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    return ok_ = response.ParseFromString(bytes);
  }

  grpc::Status Finish() {
    finished_ = true;
    if (ok_) {
      call_->WritesDone(this);
      Wait();
    }
    grpc::Status status;
    call_->Finish(&status, this);
    Wait();
    return status;
  }

 private:
  bool Wait() {
    void* tag;
    bool ok = false;
    return cq_.Next(&tag, &ok) && ok;
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool ok_ = false;
  bool finished_ = false;
};

bool IsInfrastructure(const std::string& service) {
  return absl::StartsWith(service, "grpc.reflection.") ||
         absl::StartsWith(service, "grpc.health.");
}

// Runs the reflection protocol on `stream`.
class Fetcher {
 public:
  Fetcher(ReflectionStream& stream, const std::string& where, int max_files)
      : stream_(stream), where_(where), max_files_(max_files) {}

  absl::StatusOr<ReflectionResult> Run() {
    ServerReflectionRequest request;
    request.set_list_services("*");
    PG_ASSIGN_OR_RETURN(ServerReflectionResponse response, Ask(request));
    ReflectionResult result;
    for (const auto& service : response.list_services_response().service()) {
      if (!IsInfrastructure(service.name())) {
        result.services.push_back(service.name());
      }
    }
    std::sort(result.services.begin(), result.services.end());
    for (const std::string& service : result.services) {
      request.set_file_containing_symbol(service);
      PG_RETURN_IF_ERROR(AskForFiles(request));
    }
    while (!missing_.empty()) {
      std::string name = std::move(missing_.front());
      missing_.pop_front();
      if (files_.contains(name)) continue;
      request.set_file_by_filename(name);
      PG_RETURN_IF_ERROR(AskForFiles(request));
      if (!files_.contains(name)) {
        return absl::FailedPreconditionError(absl::StrCat(
            where_, ": file_by_filename \"", name, "\" was not answered"));
      }
    }
    result.files = std::move(files_);
    return result;
  }

 private:
  absl::StatusOr<ServerReflectionResponse> Ask(
      const ServerReflectionRequest& request) {
    ServerReflectionResponse response;
    if (!stream_.Exchange(request, response)) {
      return FromGrpc(stream_.Finish(), where_);  // The stream's status.
    }
    if (response.has_error_response()) {
      return absl::FailedPreconditionError(
          absl::StrCat(where_, ": ", Describe(request), ": ",
                       response.error_response().error_message(), " (code ",
                       response.error_response().error_code(), ")"));
    }
    return response;
  }

  absl::Status AskForFiles(const ServerReflectionRequest& request) {
    PG_ASSIGN_OR_RETURN(ServerReflectionResponse response, Ask(request));
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      if (!file.ParseFromString(bytes) || file.name().empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat(where_, ": ", Describe(request),
                         ": the answer holds a file that does not parse"));
      }
      if (!files_.emplace(file.name(), bytes).second) continue;
      if (static_cast<int>(files_.size()) > max_files_) {
        return absl::ResourceExhaustedError(
            absl::StrCat(where_, ": more than ", max_files_, " files"));
      }
      for (const std::string& dep : file.dependency()) missing_.push_back(dep);
    }
    return absl::OkStatus();
  }

  static std::string Describe(const ServerReflectionRequest& request) {
    if (request.has_file_by_filename()) {
      return absl::StrCat("file_by_filename \"", request.file_by_filename(),
                          "\"");
    }
    if (request.has_file_containing_symbol()) {
      return absl::StrCat("file_containing_symbol \"",
                          request.file_containing_symbol(), "\"");
    }
    return "list_services";
  }

  ReflectionStream& stream_;
  const std::string where_;
  const int max_files_;
  std::map<std::string, std::string> files_;
  std::deque<std::string> missing_;
};

absl::StatusOr<ReflectionResult> FetchWith(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& target,
    const char* method, const ReflectionOptions& options) {
  ReflectionStream stream(channel, method, absl::Now() + options.timeout);
  Fetcher fetcher(stream, absl::StrCat("reflection ", target),
                  options.max_files);
  return fetcher.Run();
}

}  // namespace

absl::StatusOr<ReflectionResult> FetchReflection(
    const std::string& target, const ReflectionOptions& options) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  absl::StatusOr<ReflectionResult> result =
      FetchWith(channel, target, kV1Method, options);
  if (result.ok()) {
    result->protocol = "v1";
  } else if (result.status().code() == absl::StatusCode::kUnimplemented) {
    result = FetchWith(channel, target, kV1AlphaMethod, options);
    if (result.ok()) {
      result->protocol = "v1alpha";
    } else if (result.status().code() == absl::StatusCode::kUnimplemented) {
      return absl::UnimplementedError(
          absl::StrCat("reflection ", target,
                       ": the server does not serve gRPC server reflection "
                       "(grpc.reflection.v1 or v1alpha ServerReflection)"));
    }
  }
  return result;
}

}  // namespace protogate::upstream
