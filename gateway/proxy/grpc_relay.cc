#include "gateway/proxy/grpc_relay.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/grpcweb/frame_reader.h"
#include "gateway/grpcweb/text_codec.h"
#include "gateway/proxy/client_cancel.h"

namespace protogate::proxy {
namespace {

using upstream::CallResult;
using upstream::StreamCall;
using upstream::StreamMessage;

// Ends a stream whose head was sent with `trailer`: HTTP trailers (gRPC)
// or the trailer frame (gRPC-Web).
void FinishStream(const GrpcFormat& format, http::ResponseStream& stream,
                  const grpcweb::Trailer& trailer) {
  if (!format.web()) {
    stream.Finish(AsHeaderFields(grpcweb::TrailerHeaders(trailer)));
    return;
  }
  stream.Write(format.Encode(grpcweb::TrailerFrame(trailer)), [](bool) {});
  stream.Finish();
}

// The trailer of a call that `failure` may have ended early.
grpcweb::Trailer TrailerOf(const CallResult& result, std::string_view method,
                           const std::shared_ptr<GrpcBodyFailure>& failure) {
  if (failure != nullptr) {
    if (std::optional<absl::Status> failed = failure->Get()) {
      return {.code = static_cast<int>(failed->code()),
              .message = std::string(failed->message())};
    }
  }
  return proxy::TrailerOf(result, method);
}

// Reads request messages from a body and writes them to a call one at a
// time: see PumpGrpcBody. Its steps are sequential (each starts from the
// callback of the one before), so it needs no lock.
class GrpcBodyPump final : public std::enable_shared_from_this<GrpcBodyPump> {
 public:
  GrpcBodyPump(GrpcBodySource source, std::shared_ptr<StreamCall> call,
               size_t max_message_bytes,
               std::shared_ptr<GrpcBodyFailure> failure)
      : source_(std::move(source)),
        call_(std::move(call)),
        reader_({.max_message_bytes = max_message_bytes}),
        failure_(std::move(failure)) {}

  void Start() {
    if (source_.stream == nullptr) {
      OnPiece(http::BodyPiece{.data = std::move(source_.whole), .last = true});
      return;
    }
    Read();
  }

 private:
  void Read() {
    source_.stream->Read(
        [self = shared_from_this()](absl::StatusOr<http::BodyPiece> piece) {
          self->OnPiece(std::move(piece));
        });
  }

  void OnPiece(absl::StatusOr<http::BodyPiece> piece) {
    if (!piece.ok()) return Fail(piece.status());
    if (absl::Status s = reader_.Append(piece->data, pending_); !s.ok()) {
      return Fail(s);
    }
    last_ = piece->last;
    WriteNext();
  }

  void WriteNext() {
    if (next_ < pending_.size()) {
      std::string message = std::move(pending_[next_++]);
      call_->Write(std::move(message),
                   [self = shared_from_this()](bool written) {
                     if (!written) {  // The call is ending.
                       self->call_->WritesDone();
                       return;
                     }
                     self->WriteNext();
                   });
      return;
    }
    pending_.clear();
    next_ = 0;
    if (!last_) return Read();
    if (absl::Status s = reader_.Finish(); !s.ok()) return Fail(s);
    call_->WritesDone();
  }

  void Fail(const absl::Status& status) {
    failure_->Set(status);
    call_->Cancel();
  }

  GrpcBodySource source_;
  const std::shared_ptr<StreamCall> call_;
  grpcweb::FrameReader reader_;
  const std::shared_ptr<GrpcBodyFailure> failure_;
  std::vector<std::string> pending_;  // Messages read, from next_ on unsent.
  size_t next_ = 0;
  bool last_ = false;
};

// One streaming call: see RelayGrpcStream. OnMessage and OnDone never run
// concurrently (StreamObserver's contract); the write callbacks touch only
// the immutable call handle.
class GrpcStreamRelay final : public upstream::StreamObserver {
 public:
  GrpcStreamRelay(std::shared_ptr<const Snapshot> snapshot,
                  const RouteRuntime& rt, GrpcFormat format,
                  std::shared_ptr<GrpcBodyFailure> failure,
                  http::Responder responder)
      : snapshot_(std::move(snapshot)),
        rt_(rt),
        format_(std::move(format)),
        failure_(std::move(failure)),
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
    grpcweb::Trailer trailer = TrailerOf(result, rt_.grpc_method, failure_);
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
  const std::shared_ptr<GrpcBodyFailure> failure_;
  std::shared_ptr<StreamCall> call_;
  std::optional<http::Responder> responder_;  // Until the head is sent.
  std::optional<http::ResponseStream> stream_;
};

// Answers one message and `trailer` after `head`.
void AnswerMessage(const GrpcFormat& format, http::Response head,
                   std::string_view message, const grpcweb::Trailer& trailer,
                   http::Responder responder) {
  if (!format.web()) {  // The trailer needs HTTP trailers: a stream.
    http::ResponseStream stream = responder.Stream(std::move(head));
    stream.Write(grpcweb::MessageFrame(message), [](bool) {});
    FinishStream(format, stream, trailer);
    return;
  }
  head.body = format.Encode(grpcweb::MessageFrame(message));
  head.body += format.Encode(grpcweb::TrailerFrame(trailer));
  responder.Send(std::move(head));
}

void Fail(const GrpcFormat& format, const absl::Status& status,
          http::Responder responder) {
  responder.Send(
      TrailersOnly(format, {.code = static_cast<int>(status.code()),
                            .message = std::string(status.message())}));
}

// A client or bidi stream: requests as they arrive.
void StreamRequests(GrpcCall call, http::Responder responder) {
  const RouteRuntime& rt = call.rt;
  auto failure = std::make_shared<GrpcBodyFailure>();
  std::shared_ptr<StreamCall> handle =
      RelayGrpcStream(call.snapshot, rt, call.format,
                      {.method = rt.grpc_method,
                       .write_incrementally = true,
                       .deadline = call.deadline,
                       .metadata = std::move(call.metadata),
                       .traceparent = call.traceparent},
                      failure, std::move(responder));
  GrpcBodySource source{.stream = call.request.body_stream()};
  if (source.stream == nullptr) source.whole = call.request.body();
  PumpGrpcBody(std::move(source), std::move(handle),
               call.snapshot->max_request_message_bytes(), std::move(failure));
}

// The one request message of a unary or server-streaming call.
absl::StatusOr<std::string> OneMessage(const GrpcCall& call) {
  absl::StatusOr<std::vector<std::string>> messages =
      ReadMessages(call.format, call.request.body(),
                   call.snapshot->max_request_message_bytes());
  if (!messages.ok()) return messages.status();
  if (messages->size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected exactly one request message for ",
        call.rt.route->method->full_name(), ", got ", messages->size()));
  }
  return std::move(messages->front());
}

}  // namespace

void ServeGrpc(GrpcCall call, http::Responder responder) {
  const RouteRuntime& rt = call.rt;
  const google::protobuf::MethodDescriptor& method = *rt.route->method;
  if (method.client_streaming()) {
    if (call.format.web()) {
      return Fail(call.format,
                  absl::UnimplementedError(absl::StrCat(
                      "gRPC-Web carries unary and server-streaming calls; ",
                      method.full_name(), " is client-streaming")),
                  std::move(responder));
    }
    return StreamRequests(std::move(call), std::move(responder));
  }
  absl::StatusOr<std::string> payload = OneMessage(call);
  if (!payload.ok()) {
    return Fail(call.format, payload.status(), std::move(responder));
  }
  if (rt.plan != nullptr) {
    return std::move(call.run_plan)(std::move(call.metadata),
                                    *std::move(payload), std::move(responder));
  }
  if (method.server_streaming()) {
    upstream::StreamRequest request{.method = rt.grpc_method,
                                    .deadline = call.deadline,
                                    .metadata = std::move(call.metadata),
                                    .traceparent = call.traceparent};
    request.messages.push_back(*std::move(payload));
    RelayGrpcStream(call.snapshot, rt, call.format, std::move(request), nullptr,
                    std::move(responder));
    return;
  }
  upstream::CallRequest request{.method = rt.grpc_method,
                                .payload = *std::move(payload),
                                .deadline = call.deadline,
                                .metadata = std::move(call.metadata),
                                .traceparent = call.traceparent,
                                .canceller = CancelWithClient(call.request)};
  if (call.telemetry)
    call.telemetry->TraceAttempts(*call.observer, rt, request);
  rt.channel->Call(
      std::move(request),
      [&rt, format = call.format, observer = call.observer,
       telemetry = std::move(call.telemetry),
       responder = std::move(responder)](upstream::CallResult result) mutable {
        if (telemetry) telemetry->Finish(*observer, rt, result);
        AnswerUnary(format, rt.grpc_method, std::move(result),
                    std::move(responder));
      });
}

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
    std::shared_ptr<GrpcBodyFailure> failure, http::Responder responder) {
  auto relay = std::make_shared<GrpcStreamRelay>(
      std::move(snapshot), rt, std::move(format), std::move(failure),
      std::move(responder));
  return rt.channel->Stream(std::move(request), std::move(relay));
}

void PumpGrpcBody(GrpcBodySource source, std::shared_ptr<StreamCall> call,
                  size_t max_message_bytes,
                  std::shared_ptr<GrpcBodyFailure> failure) {
  std::make_shared<GrpcBodyPump>(std::move(source), std::move(call),
                                 max_message_bytes, std::move(failure))
      ->Start();
}

}  // namespace protogate::proxy
