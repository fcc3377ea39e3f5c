// Responder: the one-shot way to answer a Request.
//
// Thread safety: Send() may be called from any thread (for example a gRPC
// completion thread); the write happens on the connection's own executor.
// Ownership: move-only. Keeps its connection alive until it is used or
// destroyed. Destroying it without Send() answers 500 so a request can never
// hang.
#pragma once

#include <memory>

#include "gateway/http/response.h"

namespace protogate::http {

class Responder {
 public:
  // Implemented by the connection; posts the response onto its executor.
  class Sink {
   public:
    virtual ~Sink() = default;
    virtual void SendResponse(Response response) = 0;
  };

  explicit Responder(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) = default;
  Responder& operator=(Responder&&) = default;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  // Sends `response`. REQUIRES: called at most once.
  void Send(Response response);

 private:
  std::shared_ptr<Sink> sink_;
};

}  // namespace protogate::http
