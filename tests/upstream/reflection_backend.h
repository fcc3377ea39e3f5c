// ReflectionBackend: a real gRPC server on 127.0.0.1:0 hosting the demo
// Bookstore and the storefront Catalog, and gRPC server reflection — either
// v1 (ReflectionV1Service below, answering from the generated descriptor
// pool; which services it lists can be changed while running) or v1alpha
// (gRPC's own grpc++_reflection plugin, which lists every registered
// service). The gateway under test gets no descriptors for these services.
//
// Thread safety: SetListedServices() may be called from any thread while
// the server runs.
// Ownership: owns the services and the server; the destructor shuts down.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpcpp/server.h"
#include "tools/demo/bookstore_service.h"
#include "tools/demo/catalog_service.h"

namespace protogate::upstream::testing {

// grpc.reflection.v1.ServerReflection over the generated pool: the listed
// services are the configured ones; file requests answer the file and every
// file it imports, transitively.
class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::Service {
 public:
  explicit ReflectionV1Service(std::vector<std::string> services)
      : services_(std::move(services)) {}
  void SetServices(std::vector<std::string> services);

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>*
          stream) override;

 private:
  grpc::reflection::v1::ServerReflectionResponse Answer(
      const grpc::reflection::v1::ServerReflectionRequest& request);

  absl::Mutex mu_;
  std::vector<std::string> services_ ABSL_GUARDED_BY(mu_);
};

enum class ReflectionVersion { kV1, kV1Alpha };

class ReflectionBackend {
 public:
  // v1 lists only demo.bookstore.v1.Bookstore at first.
  static absl::StatusOr<std::unique_ptr<ReflectionBackend>> Start(
      ReflectionVersion version);
  ~ReflectionBackend();

  const std::string& address() const { return address_; }
  // REQUIRES: started with kV1.
  void SetListedServices(std::vector<std::string> services) {
    v1_.SetServices(std::move(services));
  }

 private:
  ReflectionBackend();

  demo::BookstoreService bookstore_;
  demo::StorefrontData data_;
  demo::StorefrontKnobs knobs_;
  demo::CatalogService catalog_;
  ReflectionV1Service v1_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace protogate::upstream::testing
