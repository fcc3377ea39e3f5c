#include "gateway/proxy/grpc_answer.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aggregator/run_values.h"
#include "gateway/base/logging.h"
#include "gateway/base/strings.h"
#include "gateway/grpcweb/text_codec.h"
#include "gateway/http/error_response.h"
#include "gateway/transcoding/status_json.h"
#include "rapidjson/document.h"

namespace protogate::proxy {
namespace {

bool IsContentType(std::string_view name) {
  return name.size() == 12 &&
         absl::EqualsIgnoreCase(base::ToAbsl(name), "content-type");
}

bool IsGrpcAnswer(const http::Response& response) {
  for (const auto& [name, value] : response.headers) {
    if (IsContentType(name)) {
      return absl::StartsWithIgnoreCase(value, "application/grpc");
    }
  }
  return false;
}

// The trailer of an answer that is not gRPC: its google.rpc.Status JSON
// body's code and message when it has one, else the HTTP status's.
grpcweb::Trailer TrailerOfHttpAnswer(const http::Response& response) {
  grpcweb::Trailer trailer;
  trailer.code = static_cast<int>(grpcweb::CodeForHttpStatus(response.status));
  trailer.message = absl::StrCat("HTTP status ", response.status);
  rapidjson::Document doc;
  doc.Parse(response.body.data(), response.body.size());
  if (doc.HasParseError() || !doc.IsObject()) return trailer;
  const rapidjson::Value& body = doc;  // Const iterators: one operator!=.
  auto code = body.FindMember("code");
  if (code != body.MemberEnd() && code->value.IsInt() &&
      code->value.GetInt() > 0 && code->value.GetInt() <= 16) {
    trailer.code = code->value.GetInt();
  }
  auto message = body.FindMember("message");
  if (message != body.MemberEnd() && message->value.IsString()) {
    trailer.message.assign(message->value.GetString(),
                           message->value.GetStringLength());
  }
  return trailer;
}

// Forwards a streamed body to the wrapped responder's stream.
class ForwardingStreamSink final : public http::ResponseStream::Sink {
 public:
  explicit ForwardingStreamSink(http::ResponseStream stream)
      : stream_(std::move(stream)) {}
  void Write(std::string data, http::WriteDone done) override {
    stream_.Write(std::move(data), std::move(done));
  }
  void End(http::StreamEnd end, http::Trailers trailers) override {
    if (end == http::StreamEnd::kComplete) {
      stream_.Finish(std::move(trailers));
    } else {
      stream_.Abort();
    }
  }

 private:
  http::ResponseStream stream_;
};

class GrpcAnswerSink final : public http::Responder::Sink {
 public:
  GrpcAnswerSink(GrpcFormat format, http::Responder inner)
      : format_(std::move(format)), inner_(std::move(inner)) {}

  void SendResponse(http::Response response) override {
    if (!IsGrpcAnswer(response)) {
      http::Response answer =
          TrailersOnly(format_, TrailerOfHttpAnswer(response));
      for (auto& header : response.headers) {
        if (!IsContentType(header.first)) {
          answer.headers.push_back(std::move(header));
        }
      }
      response = std::move(answer);
    }
    response.status = 200;
    inner_.Send(std::move(response));
  }

  std::unique_ptr<http::ResponseStream::Sink> StartStream(
      http::Response head) override {
    head.status = 200;
    return std::make_unique<ForwardingStreamSink>(
        inner_.Stream(std::move(head)));
  }

 private:
  const GrpcFormat format_;
  http::Responder inner_;
};

}  // namespace

std::string GrpcFormat::Encode(std::string bytes) const {
  if (protocol_ != grpcweb::Protocol::kGrpcWebText) return bytes;
  return grpcweb::EncodeText(bytes);
}

http::Response GrpcFormat::Head(const upstream::Metadata& metadata) const {
  http::Response head;
  head.headers = AsHeaderFields(grpcweb::HeadersOf(metadata));
  head.headers.emplace_back("content-type", content_type_);
  return head;
}

http::Responder GrpcAnswering(GrpcFormat format, http::Responder inner) {
  return http::Responder(
      std::make_shared<GrpcAnswerSink>(std::move(format), std::move(inner)));
}

http::Response GrpcNeedsHttp2() {
  return http::MakeErrorResponse(
      505,
      "gRPC (content-type application/grpc) requires HTTP/2: use h2c or TLS "
      "with ALPN h2, or gRPC-Web over HTTP/1.1");
}

http::HeaderFields AsHeaderFields(grpcweb::Metadata fields) {
  http::HeaderFields out;
  out.reserve(fields.size());
  for (auto& [name, value] : fields) {
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

http::Response TrailersOnly(const GrpcFormat& format,
                            const grpcweb::Trailer& trailer) {
  http::Response response;
  response.status = transcoding::HttpStatusFromCode(
      static_cast<absl::StatusCode>(trailer.code));
  response.headers = AsHeaderFields(grpcweb::TrailerHeaders(trailer));
  response.headers.emplace_back("content-type", format.content_type());
  return response;
}

grpcweb::Trailer TrailerOf(const upstream::CallResult& result,
                           std::string_view method) {
  grpcweb::Trailer trailer{.code = static_cast<int>(result.status.code()),
                           .details = result.status_details,
                           .metadata = result.trailers};
  if (result.over_receive_limit) {
    // A gRPC client would say RESOURCE_EXHAUSTED for a message over its
    // receive limit; the message names sizes only.
    trailer.code = static_cast<int>(absl::StatusCode::kResourceExhausted);
    trailer.message = std::string(result.status.message());
    return trailer;
  }
  if (result.malformed_response) {
    PG_LOG(kWarning) << method << ": malformed upstream response: "
                     << result.status.ToString();
    trailer.message = "upstream response was malformed";
    return trailer;
  }
  const std::string_view generic =
      result.status_details.empty()
          ? aggregator::GenericUpstreamMessage(result.status.code())
          : std::string_view();
  if (!generic.empty()) {
    PG_LOG(kWarning) << method << ": " << result.status.ToString();
    trailer.message = std::string(generic);
  } else {
    trailer.message = std::string(result.status.message());
  }
  return trailer;
}

}  // namespace protogate::proxy
