#include "gateway/proxy/grpc_relay.h"

#include <optional>
#include <utility>

#include "gateway/grpcweb/frame_reader.h"
#include "gateway/grpcweb/text_codec.h"

namespace protogate::proxy {
namespace {

using upstream::CallResult;
using upstream::StreamCall;
using upstream::StreamMessage;

// Ends a stream whose head was sent with `trailer`: the trailer frame
// (gRPC-Web).
void FinishStream(const GrpcFormat& format, http::ResponseStream& stream,
                  const grpcweb::Trailer& trailer) {
  stream.Write(format.Encode(grpcweb::TrailerFrame(trailer)), [](bool) {});
  stream.Finish();
}

// One streaming call: see RelayGrpcStream. OnMessage and OnDone never run
// concurrently (StreamObserver's contract); the write callbacks touch only
// the immutable call handle.
class GrpcStreamRelay final : public upstream::StreamObserver {
 public:
  GrpcStreamRelay(std::shared_ptr<const Snapshot> snapshot,
                  const RouteRuntime& rt, GrpcFormat format,
                  http::Responder responder)
      : snapshot_(std::move(snapshot)),
        rt_(rt),
        format_(std::move(format)),
        responder_(std::move(responder)) {}

  void OnStart(std::shared_ptr<StreamCall> call) override {
    call_ = std::move(call);
  }

  void OnMessage(StreamMessage message) override {
    if (!stream_.has_value()) {
      stream_.emplace(responder_->Stream(format_.Head(message.headers)));
      responder_.reset();
    }
    stream_->Write(format_.Encode(grpcweb::MessageFrame(message.payload)),
                   [call = call_](bool written) {
                     if (written) {
                       call->ReadNext();
                     } else {
                       call->Cancel();  // The client went away.
                     }
                   });
  }

  void OnDone(CallResult result) override {
    grpcweb::Trailer trailer = TrailerOf(result, rt_.grpc_method);
    if (!stream_.has_value()) {
      http::Response response = TrailersOnly(format_, trailer);
      for (auto& header : grpcweb::HeadersOf(result.headers)) {
        response.headers.push_back(std::move(header));
      }
      responder_->Send(std::move(response));
      return;
    }
    FinishStream(format_, *stream_, trailer);
  }

 private:
  const std::shared_ptr<const Snapshot> snapshot_;
  const RouteRuntime& rt_;
  const GrpcFormat format_;
  std::shared_ptr<StreamCall> call_;
  std::optional<http::Responder> responder_;  // Until the head is sent.
  std::optional<http::ResponseStream> stream_;
};

// Answers one message and `trailer` after `head`.
void AnswerMessage(const GrpcFormat& format, http::Response head,
                   std::string_view message, const grpcweb::Trailer& trailer,
                   http::Responder responder) {
  head.body = format.Encode(grpcweb::MessageFrame(message));
  head.body += format.Encode(grpcweb::TrailerFrame(trailer));
  responder.Send(std::move(head));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadMessages(
    const GrpcFormat& format, std::string_view body, size_t max_message_bytes) {
  std::string decoded;
  if (format.protocol() == grpcweb::Protocol::kGrpcWebText) {
    grpcweb::TextDecoder decoder;
    if (absl::Status s = decoder.Append(body, decoded); !s.ok()) return s;
    if (absl::Status s = decoder.Finish(); !s.ok()) return s;
    body = decoded;
  }
  grpcweb::FrameReader reader({.max_message_bytes = max_message_bytes});
  std::vector<std::string> messages;
  if (absl::Status s = reader.Append(body, messages); !s.ok()) return s;
  if (absl::Status s = reader.Finish(); !s.ok()) return s;
  return messages;
}

void AnswerUnary(const GrpcFormat& format, std::string_view method,
                 upstream::CallResult result, http::Responder responder) {
  grpcweb::Trailer trailer = TrailerOf(result, method);
  if (!result.status.ok()) {
    http::Response response = TrailersOnly(format, trailer);
    for (auto& header : grpcweb::HeadersOf(result.headers)) {
      response.headers.push_back(std::move(header));
    }
    responder.Send(std::move(response));
    return;
  }
  AnswerMessage(format, format.Head(result.headers), result.payload, trailer,
                std::move(responder));
}

void AnswerPlan(const GrpcFormat& format, aggregator::RunResult result,
                http::Responder responder) {
  if (!result.status.ok()) {
    responder.Send(TrailersOnly(
        format, {.code = static_cast<int>(result.status.code()),
                 .message = std::string(result.status.message())}));
    return;
  }
  http::Response head = format.Head(result.headers);
  head.headers.emplace_back("server-timing",
                            aggregator::ServerTimingValue(result));
  AnswerMessage(format, std::move(head), result.response, grpcweb::Trailer{},
                std::move(responder));
}

std::shared_ptr<upstream::StreamCall> RelayGrpcStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    GrpcFormat format, upstream::StreamRequest request,
    http::Responder responder) {
  auto relay = std::make_shared<GrpcStreamRelay>(
      std::move(snapshot), rt, std::move(format), std::move(responder));
  return rt.channel->Stream(std::move(request), std::move(relay));
}

}  // namespace protogate::proxy
