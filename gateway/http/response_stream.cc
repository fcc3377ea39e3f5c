#include "gateway/http/response_stream.h"

#include <utility>

#include "gateway/base/logging.h"

namespace protogate::http {

ResponseStream::~ResponseStream() {
  if (sink_ != nullptr) sink_->End(StreamEnd::kAbort, {});
}

void ResponseStream::Write(std::string data, WriteDone done) {
  if (sink_ == nullptr) {
    PG_LOG(kError) << "http::ResponseStream::Write after the end";
    std::move(done)(false);
    return;
  }
  sink_->Write(std::move(data), std::move(done));
}

void ResponseStream::Finish() { Finish({}); }

void ResponseStream::Finish(Trailers trailers) {
  if (sink_ == nullptr) return;
  std::unique_ptr<Sink> sink = std::move(sink_);
  sink->End(StreamEnd::kComplete, std::move(trailers));
}

void ResponseStream::Abort() {
  if (sink_ == nullptr) return;
  std::unique_ptr<Sink> sink = std::move(sink_);
  sink->End(StreamEnd::kAbort, {});
}

}  // namespace protogate::http
