#include "gateway/proxy/stream_relay.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "gateway/proxy/error_response.h"
#include "gateway/transcoding/http_body.h"
#include "gateway/transcoding/response_transcoder.h"

namespace protogate::proxy {
namespace {

using upstream::CallResult;
using upstream::StreamCall;
using upstream::StreamMessage;

std::optional<http::Response> Failure(
    const std::shared_ptr<StreamFailure>& failure) {
  return failure == nullptr ? std::nullopt : failure->Get();
}

// One server stream: see RelayStream. OnMessage and OnDone never run
// concurrently (StreamObserver's contract); the write callbacks touch only
// the immutable call handle.
class ServerStreamRelay final : public upstream::StreamObserver {
 public:
  ServerStreamRelay(std::shared_ptr<const Snapshot> snapshot,
                    const RouteRuntime& rt, RelayOptions options,
                    http::Responder responder)
      : snapshot_(std::move(snapshot)),
        rt_(rt),
        format_(rt.http_body_response ? StreamFormat::kRaw : options.format),
        print_(options.print),
        failure_(std::move(options.failure)),
        on_done_(std::move(options.on_done)),
        responder_(std::move(responder)) {
    print_.indent = 0;  // One message a line (NDJSON) or a data field (SSE).
  }

  void OnStart(std::shared_ptr<StreamCall> call) override {
    call_ = std::move(call);
  }

  void OnMessage(StreamMessage message) override {
    std::string content_type;
    std::string bytes;
    if (!Render(message.payload, content_type, bytes)) {
      bad_payload_ = std::move(message.payload);
      call_->Cancel();
      return;
    }
    std::string piece = FrameMessage(format_, bytes, count_ == 0);
    if (count_++ == 0) {
      http::Response head;
      head.headers.emplace_back("Content-Type",
                                format_ == StreamFormat::kRaw
                                    ? std::move(content_type)
                                    : std::string(StreamContentType(format_)));
      if (format_ == StreamFormat::kSse) {
        head.headers.emplace_back("Cache-Control", "no-cache");
      }
      snapshot_->header_rules().AddBackendHeaders(message.headers, {}, head);
      stream_.emplace(responder_->Stream(std::move(head)));
      responder_.reset();
    }
    stream_->Write(std::move(piece), [call = call_](bool written) {
      if (written) {
        call->ReadNext();
      } else {
        call->Cancel();  // The client went away.
      }
    });
  }

  void OnDone(CallResult result) override {
    if (on_done_) on_done_(result);
    if (std::optional<http::Response> failed = Failure(failure_)) {
      if (!stream_.has_value()) {
        responder_->Send(*std::move(failed));
        return;
      }
      stream_->Write(FrameError(format_, failed->body), [](bool) {});
      stream_->Abort();
      return;
    }
    const bool complete = result.status.ok() && !bad_payload_.has_value();
    if (bad_payload_.has_value()) {
      // UpstreamResponse answers a payload it cannot transcode with 502.
      result = CallResult{.status = absl::OkStatus(),
                          .payload = *std::move(bad_payload_)};
    }
    if (!stream_.has_value()) {
      http::Response response =
          complete ? EmptyStream()
                   : UpstreamResponse(*snapshot_, rt_, result, print_);
      snapshot_->header_rules().AddBackendHeaders(result.headers,
                                                  result.trailers, response);
      responder_->Send(std::move(response));
      return;
    }
    if (complete) {
      stream_->Write(FrameEnd(format_, count_), [](bool) {});
      stream_->Finish();
      return;
    }
    http::Response error = UpstreamResponse(*snapshot_, rt_, result, print_);
    stream_->Write(FrameError(format_, error.body), [](bool) {});
    stream_->Abort();
  }

 private:
  // The message as JSON, or an HttpBody's content type and bytes. False
  // for a payload that is not a valid message of the output type.
  bool Render(const std::string& payload, std::string& content_type,
              std::string& bytes) const {
    if (format_ == StreamFormat::kRaw) {
      absl::StatusOr<transcoding::HttpBodyView> body =
          transcoding::ReadHttpBody(payload, rt_.route->response_body_field);
      if (!body.ok()) return false;
      content_type = body->content_type.empty() ? "application/octet-stream"
                                                : std::move(body->content_type);
      bytes = std::move(body->data);
      return true;
    }
    return transcoding::BuildResponse(snapshot_->codecs(), *rt_.response_codec,
                                      rt_.route->response_body_field, payload,
                                      print_, &bytes)
        .ok();
  }

  http::Response EmptyStream() const {
    http::Response response;
    response.headers.emplace_back("Content-Type",
                                  std::string(StreamContentType(format_)));
    response.body = FrameEnd(format_, 0);
    return response;
  }

  const std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime& rt_;
  const StreamFormat format_;
  transcoding::PrintOptions print_;
  const std::shared_ptr<StreamFailure> failure_;
  absl::AnyInvocable<void(const CallResult&)> on_done_;
  std::shared_ptr<StreamCall> call_;
  std::optional<http::Responder> responder_;  // Until the head is sent.
  std::optional<http::ResponseStream> stream_;
  std::optional<std::string> bad_payload_;
  size_t count_ = 0;  // Messages written.
};

// One client stream: the single response, answered as an unary call's.
class ClientStreamCollector final : public upstream::StreamObserver {
 public:
  ClientStreamCollector(std::shared_ptr<const Snapshot> snapshot,
                        const RouteRuntime& rt, RelayOptions options,
                        http::Responder responder)
      : snapshot_(std::move(snapshot)),
        rt_(rt),
        print_(options.print),
        failure_(std::move(options.failure)),
        on_done_(std::move(options.on_done)),
        responder_(std::move(responder)) {}

  void OnStart(std::shared_ptr<StreamCall> call) override {
    call_ = std::move(call);
  }

  void OnMessage(StreamMessage message) override {
    if (payload_.has_value()) {
      extra_message_ = true;
      call_->Cancel();
      return;
    }
    payload_ = std::move(message.payload);
    call_->ReadNext();
  }

  void OnDone(CallResult result) override {
    if (on_done_) on_done_(result);
    if (std::optional<http::Response> failed = Failure(failure_)) {
      responder_.Send(*std::move(failed));
      return;
    }
    if (extra_message_) {
      result = CallResult{.status = absl::InternalError(
                              "upstream sent more than one response message "
                              "for a client-streaming method")};
    } else if (result.status.ok()) {
      if (!payload_.has_value()) {
        result.status =
            absl::InternalError("upstream sent no response message");
      } else {
        result.payload = *std::move(payload_);
      }
    }
    http::Response response = UpstreamResponse(*snapshot_, rt_, result, print_);
    snapshot_->header_rules().AddBackendHeaders(result.headers, result.trailers,
                                                response);
    responder_.Send(std::move(response));
  }

 private:
  const std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime& rt_;
  const transcoding::PrintOptions print_;
  const std::shared_ptr<StreamFailure> failure_;
  absl::AnyInvocable<void(const CallResult&)> on_done_;
  http::Responder responder_;
  std::shared_ptr<StreamCall> call_;
  std::optional<std::string> payload_;
  bool extra_message_ = false;
};

}  // namespace

std::shared_ptr<upstream::StreamCall> RelayStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    upstream::StreamRequest request, RelayOptions options,
    http::Responder responder) {
  auto relay = std::make_shared<ServerStreamRelay>(
      std::move(snapshot), rt, std::move(options), std::move(responder));
  return rt.channel->Stream(std::move(request), std::move(relay));
}

std::shared_ptr<upstream::StreamCall> RelayClientStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    upstream::StreamRequest request, RelayOptions options,
    http::Responder responder) {
  auto collector = std::make_shared<ClientStreamCollector>(
      std::move(snapshot), rt, std::move(options), std::move(responder));
  return rt.channel->Stream(std::move(request), std::move(collector));
}

}  // namespace protogate::proxy
