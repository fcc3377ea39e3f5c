#include "gateway/http/responder.h"

#include <utility>

#include "gateway/base/logging.h"
#include "gateway/http/error_response.h"

namespace protogate::http {

Responder::~Responder() {
  if (sink_ == nullptr) return;
  std::shared_ptr<Sink> sink = std::move(sink_);
  sink->SendResponse(
      MakeErrorResponse(500, "the request was dropped without a response"));
}

void Responder::Send(Response response) {
  if (sink_ == nullptr) {
    PG_LOG(kError) << "http::Responder::Send called twice or after a move";
    return;
  }
  std::shared_ptr<Sink> sink = std::move(sink_);
  sink->SendResponse(std::move(response));
}

}  // namespace protogate::http

namespace protogate::http {

ResponseStream Responder::Stream(Response head) {
  if (sink_ == nullptr) {
    PG_LOG(kError) << "http::Responder::Stream called after Send or Stream";
    return ResponseStream(nullptr);
  }
  std::shared_ptr<Sink> sink = std::move(sink_);
  return ResponseStream(sink->StartStream(std::move(head)));
}

}  // namespace protogate::http
