#include "gateway/upstream/grpc_unary_channel.h"

#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/upstream/call_validation.h"
#include "gateway/upstream/channel_reaper.h"
#include "gateway/upstream/malformed_response.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"
#include "grpcpp/support/status.h"
#include "grpcpp/support/string_ref.h"
#include "grpcpp/support/stub_options.h"

namespace protogate::upstream {
namespace {

using GrpcMetadataMap = std::multimap<grpc::string_ref, grpc::string_ref>;

constexpr absl::string_view kStatusDetailsKey = "grpc-status-details-bin";

// Everything one call needs until its completion callback has run.
struct PendingCall {
  grpc::ClientContext context;
  std::string method;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  CallCallback done;
  size_t request_bytes = 0;
  int64_t max_receive_message_bytes = 0;
  // The call's own reference until it completes; cancellers hold weak ones.
  std::shared_ptr<PendingCall> self;
};

void DeleteString(void* user_data) {
  delete static_cast<std::string*>(user_data);
}

// Wraps `payload` in a ByteBuffer without copying: the slice owns the moved
// string and deletes it when gRPC drops its last reference.
grpc::ByteBuffer ByteBufferFromString(std::string&& payload) {
  auto* owned = new std::string(std::move(payload));
  grpc::Slice slice(owned->data(), owned->size(), &DeleteString, owned);
  return grpc::ByteBuffer(&slice, 1);
}

absl::Status ByteBufferToString(const grpc::ByteBuffer& buffer,
                                std::string& out) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return absl::InternalError("upstream response could not be read");
  }
  out.clear();
  out.reserve(buffer.Length());
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return absl::OkStatus();
}

std::string ToString(grpc::string_ref ref) {
  return std::string(ref.data(), ref.size());
}

Metadata ToMetadata(const GrpcMetadataMap& map) {
  Metadata out;
  out.reserve(map.size());
  for (const auto& [key, value] : map) {
    absl::string_view k(key.data(), key.size());
    if (k == "grpc-status" || k == "grpc-message" || k == kStatusDetailsKey) {
      continue;
    }
    out.emplace_back(ToString(key), ToString(value));
  }
  return out;
}

std::string StatusDetails(const grpc::Status& status,
                          const GrpcMetadataMap& trailers) {
  if (!status.error_details().empty()) return status.error_details();
  auto it = trailers.find(
      grpc::string_ref(kStatusDetailsKey.data(), kStatusDetailsKey.size()));
  return it == trailers.end() ? std::string() : ToString(it->second);
}

// gRPC fails a response over our receive limit with RESOURCE_EXHAUSTED
// "Received message larger than max (N vs. LIMIT)", the same words a backend
// uses when our request is over its limit. Ours is the one with our LIMIT and
// an N other than the request's size: a bad response, so INTERNAL.
absl::Status ToAbslStatus(const grpc::Status& status, const PendingCall& call) {
  unsigned received = 0;
  int limit = 0;
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      std::sscanf(status.error_message().c_str(),
                  "Received message larger than max (%u vs. %d)", &received,
                  &limit) == 2 &&
      limit == call.max_receive_message_bytes &&
      received != call.request_bytes) {
    return absl::InternalError(absl::StrFormat(
        "upstream response of %d bytes exceeds the receive limit of %d bytes",
        received, limit));
  }
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Whether gRPC reports a response that was not valid gRPC: see
// malformed_response.h for the statuses gRPC 1.51 gives.
bool IsMalformedResponse(const grpc::Status& status,
                         const GrpcMetadataMap& trailers) {
  return IsMalformedResponseStatus(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::string_view(status.error_message()),
      !StatusDetails(status, trailers).empty());
}

CallResult ToCallResult(PendingCall& call, const grpc::Status& status) {
  CallResult result;
  result.status = ToAbslStatus(status, call);
  if (IsMalformedResponse(status, call.context.GetServerTrailingMetadata())) {
    result.malformed_response = true;
    result.status = absl::InternalError(
        absl::StrCat("malformed upstream response: ", status.error_message()));
  } else if (result.status.code() == absl::StatusCode::kInternal &&
             status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    result.malformed_response = true;  // Over the receive limit.
  }
  result.headers = ToMetadata(call.context.GetServerInitialMetadata());
  const GrpcMetadataMap& trailers = call.context.GetServerTrailingMetadata();
  result.trailers = ToMetadata(trailers);
  result.status_details = StatusDetails(status, trailers);
  if (result.status.ok()) {
    if (!call.response.Valid()) {
      result.status = absl::InternalError("upstream sent no response message");
      result.malformed_response = true;
    } else {
      result.status = ByteBufferToString(call.response, result.payload);
    }
  }
  return result;
}

void Complete(PendingCall* raw, const grpc::Status& status) {
  std::shared_ptr<PendingCall> call = std::move(raw->self);
  CallResult result = ToCallResult(*call, status);
  CallCallback done = std::move(call->done);
  // Free the context (it holds a channel reference) and buffers before
  // handing over: `done` may release the last owner of the channel.
  call.reset();
  std::move(done)(std::move(result));
}

void Reject(CallCallback done, absl::Status status) {
  CallResult result;
  result.status = std::move(status);
  std::move(done)(std::move(result));
}

}  // namespace

GrpcUnaryChannel::GrpcUnaryChannel(std::shared_ptr<grpc::Channel> channel,
                                   GrpcUnaryChannelOptions options)
    : channel_(std::move(channel)),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      options_(options) {}

GrpcUnaryChannel::~GrpcUnaryChannel() {
  stub_.reset();
  RetireChannel(std::move(channel_));
}

void GrpcUnaryChannel::Call(CallRequest request, CallCallback done) {
  if (absl::Status s = ValidateCallRequest(request); !s.ok()) {
    return Reject(std::move(done), std::move(s));
  }
  if (static_cast<int64_t>(request.payload.size()) >
      options_.max_send_message_bytes) {
    return Reject(
        std::move(done),
        absl::ResourceExhaustedError(absl::StrFormat(
            "request message of %d bytes exceeds the upstream send "
            "limit of %d bytes",
            request.payload.size(), options_.max_send_message_bytes)));
  }
  if (request.canceller != nullptr && request.canceller->cancelled()) {
    return Reject(std::move(done), absl::CancelledError("call cancelled"));
  }
  auto call = std::make_shared<PendingCall>();
  call->method = std::move(request.method);
  call->request = ByteBufferFromString(std::move(request.payload));
  call->done = std::move(done);
  call->request_bytes = call->request.Length();
  call->max_receive_message_bytes = options_.max_receive_message_bytes;
  const absl::Time deadline = request.deadline == absl::InfiniteFuture()
                                  ? absl::Now() + options_.default_timeout
                                  : request.deadline;
  call->context.set_deadline(absl::ToChronoTime(deadline));
  // Fail fast with UNAVAILABLE while the backend cannot be reached, instead
  // of queueing until the deadline.
  call->context.set_wait_for_ready(false);
  for (const auto& [key, value] : request.metadata) {
    call->context.AddMetadata(key, value);
  }
  if (request.canceller != nullptr) {
    // TryCancel before the call starts is kept by the context and applied
    // when it starts; after it completes it does nothing.
    request.canceller->OnCancel([weak = std::weak_ptr<PendingCall>(call)] {
      if (std::shared_ptr<PendingCall> live = weak.lock()) {
        live->context.TryCancel();
      }
    });
  }
  PendingCall* raw = call.get();
  raw->self = std::move(call);  // Released by Complete().
  stub_->UnaryCall(&raw->context, raw->method, grpc::StubOptions(),
                   &raw->request, &raw->response,
                   [raw](grpc::Status status) { Complete(raw, status); });
}

}  // namespace protogate::upstream
