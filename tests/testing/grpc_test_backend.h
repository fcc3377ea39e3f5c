// GrpcTestBackend: a real gRPC server on 127.0.0.1:0 for cluster tests. It
// serves the demo Bookstore and gRPC's default health service
// (grpc.health.v1.Health), counts the Bookstore calls it receives, and can
// be told to report NOT_SERVING. Optionally TLS (see tests/testdata/tls).
// Header-only: the test binaries that use it link gRPC and demo_backend;
// protogate::testing itself does not.
//
// Thread safety: all methods may be called from any thread.
// Ownership: owns the server; the destructor shuts it down.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/server_interceptor.h"
#include "gtest/gtest.h"
#include "tools/demo/bookstore_service.h"

namespace protogate::testing {

class GrpcTestBackend {
 public:
  // REQUIRES: `credentials` non-null (e.g. grpc::InsecureServerCredentials).
  // Returns nullptr (and fails the test) when the server cannot start.
  static std::unique_ptr<GrpcTestBackend> Start(
      std::shared_ptr<grpc::ServerCredentials> credentials =
          grpc::InsecureServerCredentials()) {
    grpc::EnableDefaultHealthCheckService(true);
    auto backend = std::unique_ptr<GrpcTestBackend>(new GrpcTestBackend());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port);
    builder.RegisterService(&backend->service_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(std::make_unique<CountingFactory>(&backend->calls_));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    backend->server_ = builder.BuildAndStart();
    if (backend->server_ == nullptr || port == 0) {
      ADD_FAILURE() << "cannot start a gRPC test backend";
      return nullptr;
    }
    backend->address_ = absl::StrCat("127.0.0.1:", port);
    return backend;
  }

  ~GrpcTestBackend() { Shutdown(); }

  // "127.0.0.1:PORT".
  const std::string& address() const { return address_; }
  // Bookstore calls received so far (health checks not counted).
  int calls() const { return calls_.load(); }
  // What the health service answers for every service, "" included.
  void SetServing(bool serving) {
    server_->GetHealthCheckService()->SetServingStatus(serving);
  }
  // What the health service answers for `service` alone.
  void SetServing(const std::string& service, bool serving) {
    server_->GetHealthCheckService()->SetServingStatus(service, serving);
  }
  // Stops the server (running calls are cancelled at once). Idempotent.
  void Shutdown() {
    if (server_ == nullptr) return;
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }

 private:
  class CountingInterceptor : public grpc::experimental::Interceptor {
   public:
    explicit CountingInterceptor(std::atomic<int>* calls) : calls_(calls) {}
    void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
      if (m->QueryInterceptionHookPoint(
              grpc::experimental::InterceptionHookPoints::
                  POST_RECV_INITIAL_METADATA)) {
        calls_->fetch_add(1);
      }
      m->Proceed();
    }

   private:
    std::atomic<int>* calls_;
  };

  class CountingFactory
      : public grpc::experimental::ServerInterceptorFactoryInterface {
   public:
    explicit CountingFactory(std::atomic<int>* calls) : calls_(calls) {}
    grpc::experimental::Interceptor* CreateServerInterceptor(
        grpc::experimental::ServerRpcInfo* info) override {
      if (std::string_view(info->method()).starts_with("/grpc.health.")) {
        return nullptr;
      }
      return new CountingInterceptor(calls_);
    }

   private:
    std::atomic<int>* calls_;
  };

  GrpcTestBackend() = default;

  demo::BookstoreService service_;
  std::atomic<int> calls_{0};
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace protogate::testing
