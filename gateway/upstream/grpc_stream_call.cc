#include "gateway/upstream/grpc_stream_call.h"

#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gateway/upstream/call_validation.h"
#include "grpcpp/support/stub_options.h"

namespace protogate::upstream {
namespace {

std::shared_ptr<StreamCall> Reject(StreamObserver& observer,
                                   absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  observer.OnDone(std::move(result));
  return std::make_shared<EndedStreamCall>();
}

absl::Status CheckSizes(const StreamRequest& request, int64_t limit) {
  for (size_t i = 0; i < request.messages.size(); ++i) {
    if (static_cast<int64_t>(request.messages[i].size()) > limit) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "request message %d of %d bytes exceeds the upstream send limit of "
          "%d bytes",
          i, request.messages[i].size(), limit));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::shared_ptr<StreamCall> GrpcStreamCall::Start(
    grpc::GenericStub& stub, StreamRequest request,
    std::shared_ptr<StreamObserver> observer,
    const GrpcStreamOptions& options) {
  if (absl::Status s = ValidateCall(request.method, request.metadata);
      !s.ok()) {
    return Reject(*observer, std::move(s));
  }
  if (absl::Status s = CheckSizes(request, options.max_send_message_bytes);
      !s.ok()) {
    return Reject(*observer, std::move(s));
  }
  std::shared_ptr<GrpcStreamCall> call(new GrpcStreamCall());
  call->method_ = std::move(request.method);
  call->requests_.reserve(request.messages.size());
  size_t request_bytes = 0;
  for (std::string& message : request.messages) {
    request_bytes = message.size();
    call->requests_.push_back(ByteBufferFromString(std::move(message)));
  }
  // Only a single request can be mistaken for the limit message's N.
  call->sizes_ = {
      .max_receive_message_bytes = options.max_receive_message_bytes,
      .request_bytes = call->requests_.size() == 1 ? request_bytes : 0};
  call->observer_ = std::move(observer);
  ConfigureContext(request.deadline, options.default_timeout, request.metadata,
                   call->context_);
  call->incremental_ = request.write_incrementally;
  call->self_ = call;
  call->observer_->OnStart(call);
  stub.PrepareBidiStreamingCall(&call->context_, call->method_,
                                grpc::StubOptions(), call.get());
  call->AddHold();
  {
    absl::MutexLock lock(&call->mu_);  // Uncontended: not shared yet.
    call->read_pending_ = true;
    if (call->incremental_) {
      call->AddHold();
      call->write_holding_ = true;
    }
  }
  call->StartRead(&call->response_);
  if (!call->incremental_) call->WriteNext();
  call->StartCall();
  return call;
}

void GrpcStreamCall::WriteNext() {
  if (next_request_ == requests_.size()) {
    if (requests_.empty()) StartWritesDone();
    return;
  }
  grpc::ByteBuffer* message = &requests_[next_request_++];
  if (next_request_ == requests_.size()) {
    StartWriteLast(message, grpc::WriteOptions());
  } else {
    StartWrite(message);
  }
}

void GrpcStreamCall::OnWriteDone(bool ok) {
  if (incremental_) {
    StreamWriteDone done;
    {
      absl::MutexLock lock(&mu_);
      done = std::move(write_done_);
    }
    if (done != nullptr) std::move(done)(ok);
    return;
  }
  // Not ok: the call is failing; OnDone reports why.
  if (ok) WriteNext();
}

void GrpcStreamCall::Write(std::string message, StreamWriteDone done) {
  bool writable = false;
  {
    absl::MutexLock lock(&mu_);
    writable = incremental_ && write_holding_ && write_done_ == nullptr;
    if (writable) write_done_ = std::move(done);
  }
  if (!writable) {
    std::move(done)(false);
    return;
  }
  write_ = ByteBufferFromString(std::move(message));
  StartWrite(&write_);
}

void GrpcStreamCall::WritesDone() {
  {
    absl::MutexLock lock(&mu_);
    if (!write_holding_) return;
    write_holding_ = false;
  }
  StartWritesDone();
  RemoveHold();
}

void GrpcStreamCall::ReleaseWriteHold() {
  {
    absl::MutexLock lock(&mu_);
    if (!write_holding_) return;
    write_holding_ = false;
  }
  RemoveHold();
}

void GrpcStreamCall::ReadNext() {
  {
    absl::MutexLock lock(&mu_);
    if (!holding_ || read_pending_) return;
    read_pending_ = true;
  }
  StartRead(&response_);
}

void GrpcStreamCall::Cancel() {
  context_.TryCancel();
  ReleaseWriteHold();
  bool release = false;
  {
    absl::MutexLock lock(&mu_);
    if (holding_ && !read_pending_) {
      holding_ = false;
      release = true;
    }
  }
  if (release) RemoveHold();
}

bool GrpcStreamCall::ReleaseHold() {
  absl::MutexLock lock(&mu_);
  read_pending_ = false;
  if (!holding_) return false;
  holding_ = false;
  return true;
}

void GrpcStreamCall::OnReadDone(bool ok) {
  if (!ok) {  // The end of the stream, or the call failed.
    if (ReleaseHold()) RemoveHold();
    return;
  }
  StreamMessage message;
  absl::Status read = ByteBufferToString(response_, message.payload);
  response_.Clear();
  if (!read.ok()) {
    context_.TryCancel();
    if (ReleaseHold()) RemoveHold();
    return;
  }
  if (first_message_) {
    first_message_ = false;
    message.headers = ToMetadata(context_.GetServerInitialMetadata());
  }
  {
    absl::MutexLock lock(&mu_);
    read_pending_ = false;
  }
  observer_->OnMessage(std::move(message));
}

void GrpcStreamCall::OnDone(const grpc::Status& status) {
  CallResult result;
  result.status = ToAbslStatus(status, sizes_);
  result.headers = ToMetadata(context_.GetServerInitialMetadata());
  const GrpcMetadataMap& trailers = context_.GetServerTrailingMetadata();
  result.trailers = ToMetadata(trailers);
  result.status_details = StatusDetails(status, trailers);
  MarkMalformedResponse(status, trailers, result);
  std::shared_ptr<StreamObserver> observer = std::move(observer_);
  std::shared_ptr<GrpcStreamCall> self = std::move(self_);
  requests_.clear();
  observer->OnDone(std::move(result));
}

}  // namespace protogate::upstream
