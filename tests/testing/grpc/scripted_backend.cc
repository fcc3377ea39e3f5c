#include "tests/testing/grpc/scripted_backend.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"

namespace protogate::testing {

// Reads the one request message, then answers with the next scripted reply.
class ScriptedBackend::Service final : public grpc::CallbackGenericService {
 public:
  explicit Service(ScriptedBackend* backend) : backend_(backend) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(backend_, context);
  }

 private:
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    Reactor(ScriptedBackend* backend, grpc::GenericCallbackServerContext* ctx)
        : backend_(backend), context_(ctx) {
      StartRead(&request_);
    }

    void OnReadDone(bool ok) override {
      ReceivedCall call;
      call.method = context_->method();
      for (const auto& [key, value] : context_->client_metadata()) {
        call.metadata.emplace(std::string(key.data(), key.size()),
                              std::string(value.data(), value.size()));
      }
      if (ok) {
        std::vector<grpc::Slice> slices;
        (void)request_.Dump(&slices);
        for (const grpc::Slice& s : slices) {
          call.payload.append(reinterpret_cast<const char*>(s.begin()),
                              s.size());
        }
      }
      ScriptedReply reply = backend_->NextReply(std::move(call));
      for (const auto& [key, value] : reply.initial_metadata) {
        context_->AddInitialMetadata(key, value);
      }
      for (const auto& [key, value] : reply.trailing_metadata) {
        context_->AddTrailingMetadata(key, value);
      }
      if (reply.code != grpc::StatusCode::OK) {
        Finish(grpc::Status(reply.code, reply.message));
        return;
      }
      grpc::Slice slice(reply.payload);
      response_ = grpc::ByteBuffer(&slice, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }

    void OnDone() override { delete this; }

   private:
    ScriptedBackend* backend_;
    grpc::GenericCallbackServerContext* context_;
    grpc::ByteBuffer request_;
    grpc::ByteBuffer response_;
  };

  ScriptedBackend* backend_;
};

absl::StatusOr<std::unique_ptr<ScriptedBackend>> ScriptedBackend::Start() {
  std::unique_ptr<ScriptedBackend> backend(new ScriptedBackend());
  backend->service_ = std::make_unique<Service>(backend.get());
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &backend->port_);
  builder.RegisterCallbackGenericService(backend->service_.get());
  backend->server_ = builder.BuildAndStart();
  if (backend->server_ == nullptr || backend->port_ == 0) {
    return absl::UnavailableError("scripted backend: cannot start");
  }
  return backend;
}

ScriptedBackend::~ScriptedBackend() {
  if (server_ != nullptr) server_->Shutdown();
}

std::string ScriptedBackend::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

void ScriptedBackend::Push(const std::string& method,
                           const ScriptedReply& reply, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) pushed_[method].push_back(reply);
}

void ScriptedBackend::SetDefault(const std::string& method,
                                 ScriptedReply reply) {
  absl::MutexLock lock(&mu_);
  defaults_[method] = std::move(reply);
}

int ScriptedBackend::calls(const std::string& method) const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const ReceivedCall& call : received_) n += call.method == method;
  return n;
}

std::vector<ReceivedCall> ScriptedBackend::received() const {
  absl::MutexLock lock(&mu_);
  return received_;
}

ScriptedReply ScriptedBackend::NextReply(ReceivedCall call) {
  absl::MutexLock lock(&mu_);
  const std::string method = call.method;
  received_.push_back(std::move(call));
  auto pushed = pushed_.find(method);
  if (pushed != pushed_.end() && !pushed->second.empty()) {
    ScriptedReply reply = std::move(pushed->second.front());
    pushed->second.pop_front();
    return reply;
  }
  auto it = defaults_.find(method);
  if (it != defaults_.end()) return it->second;
  return {.code = grpc::StatusCode::UNIMPLEMENTED,
          .message = "not scripted: " + method};
}

}  // namespace protogate::testing
