// GrpcStreamCall: a streaming call (of any kind) over grpc::GenericStub's
// callback API, as a ClientBidiReactor. Internal to protogate::upstream:
// other libraries see only StreamCall (channel.h).
//
// Sequence: the request messages are written one after another (the last
// with the half-close); the first response is read at once and each further
// one after ReadNext(). A hold keeps gRPC from finishing the call while the
// caller may still ask for a message; it is released when a read reports the
// end of the stream or the caller cancels, and then gRPC's OnDone turns the
// status into the observer's OnDone.
//
// Thread safety: ReadNext() and Cancel() from any thread.
// Ownership: the call keeps itself alive until OnDone has run; callers may
// keep the handle longer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/upstream/channel.h"
#include "gateway/upstream/grpc_conversions.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"

namespace protogate::upstream {

struct GrpcStreamOptions {
  absl::Duration default_timeout = absl::Seconds(15);
  int64_t max_send_message_bytes = 16 * 1024 * 1024;
  int64_t max_receive_message_bytes = 16 * 1024 * 1024;
};

class GrpcStreamCall final
    : public StreamCall,
      public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  // Validates `request` (a rejected one completes inline through
  // `observer`) and starts the call on `stub`.
  static std::shared_ptr<StreamCall> Start(
      grpc::GenericStub& stub, StreamRequest request,
      std::shared_ptr<StreamObserver> observer,
      const GrpcStreamOptions& options);

  GrpcStreamCall(const GrpcStreamCall&) = delete;
  GrpcStreamCall& operator=(const GrpcStreamCall&) = delete;

  void ReadNext() override;
  void Cancel() override;
  void Write(std::string message, StreamWriteDone done) override;
  void WritesDone() override;

  // grpc::ClientBidiReactor.
  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  GrpcStreamCall() = default;
  void WriteNext();
  // Releases the read hold once; returns whether this call released it.
  bool ReleaseHold();
  // Releases the write hold once (write_incrementally).
  void ReleaseWriteHold();

  grpc::ClientContext context_;
  std::string method_;
  std::vector<grpc::ByteBuffer> requests_;
  size_t next_request_ = 0;  // Touched by the write chain only.
  grpc::ByteBuffer response_;
  bool first_message_ = true;  // Touched by the read chain only.
  CallSizes sizes_;
  std::shared_ptr<StreamObserver> observer_;
  std::shared_ptr<GrpcStreamCall> self_;  // Until OnDone.

  bool incremental_ = false;  // StreamRequest::write_incrementally.
  grpc::ByteBuffer write_;    // The message of the pending Write().

  absl::Mutex mu_;
  bool read_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool holding_ ABSL_GUARDED_BY(mu_) = true;
  // write_incrementally: the writer may still write (a second hold).
  bool write_holding_ ABSL_GUARDED_BY(mu_) = false;
  StreamWriteDone write_done_ ABSL_GUARDED_BY(mu_);
};

}  // namespace protogate::upstream
