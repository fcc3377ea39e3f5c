// Responder: the one-shot way to answer a Request, with a whole Response
// (Send) or a head whose body follows piece by piece (Stream).
//
// Thread safety: Send() may be called from any thread (for example a gRPC
// completion thread); the write happens on the connection's own executor.
// Ownership: move-only. Keeps its connection alive until it is used or
// destroyed. Destroying it without Send() answers 500 so a request can never
// hang.
#pragma once

#include <memory>

#include "gateway/http/response.h"
#include "gateway/http/response_stream.h"

namespace protogate::http {

class Responder {
 public:
  // Implemented by the connection; posts the response onto its executor.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void SendResponse(Response response) = 0;
    // Writes `head` (status and headers; its body is the first piece) and
    // returns the sink of the rest of the body.
    virtual std::unique_ptr<ResponseStream::Sink> StartStream(
        Response head) = 0;
  };

  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) = default;
  Responder& operator=(Responder&&) = default;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Sends `response`. REQUIRES: neither Send() nor Stream() was called.
  void Send(Response response);
  // Starts a streamed response: `head`'s status and headers, then its body
  // and whatever is written to the returned stream (see response_stream.h).
  // REQUIRES: neither Send() nor Stream() was called.
  ResponseStream Stream(Response head);

 private:
  std::shared_ptr<Sink> sink_;
};

}  // namespace protogate::http
