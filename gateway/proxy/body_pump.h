// The request messages of a client- or bidi-streaming call: the HTTP body,
// read piece by piece (http::BodyStream; a body the server already read
// whole is one piece), is split into JSON
// elements (transcoding::JsonSequenceSplitter), each element transcoded like
// an unary body (path and query bindings applied to every message) and
// written to the call; the next piece is read only when the call took the
// last message (gRPC flow control), so neither a slow backend nor a large
// upload makes the gateway hold more than one piece and one message.
//
// A malformed body (400, naming the element or byte offset) or one over the
// size limit (413) fails the stream through StreamFailure and cancels the
// call; the relay (stream_relay.h) answers with that error instead of the
// call's CANCELLED.
//
// Thread safety: the pump runs on the connection's thread (body reads) and
// gRPC's (write completions), one step at a time. StreamFailure may be used
// from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/http/body_stream.h"
#include "gateway/http/response.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/transcoding/json_sequence.h"
#include "gateway/transcoding/options.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

// The most messages one client-stream body may hold.
inline constexpr size_t kMaxClientStreamMessages = 100000;

// True for the Content-Types of an NDJSON body (else a JSON array).
bool IsNdjsonContentType(std::string_view content_type);

// A body the server has already read whole, as a BodyStream of one piece.
std::shared_ptr<http::BodyStream> WholeBody(std::string body);

// The first failure on the gateway's side of a stream, answered instead of
// the call's own outcome.
class StreamFailure {
 public:
  void Set(http::Response response) {
    absl::MutexLock lock(&mu_);
    if (!response_.has_value()) response_ = std::move(response);
  }
  std::optional<http::Response> Get() const {
    absl::MutexLock lock(&mu_);
    return response_;
  }

 private:
  mutable absl::Mutex mu_;
  std::optional<http::Response> response_ ABSL_GUARDED_BY(mu_);
};

struct BodyPumpInput {
  // An empty body is an empty stream (no message).
  std::shared_ptr<http::BodyStream> body;
  transcoding::SequenceFormat format = transcoding::SequenceFormat::kJsonArray;
  // The path variables' values, aligned with the route's variable_fields.
  std::vector<std::string> path_values;
  std::string query;
  transcoding::ParseOptions parse;
};

// Starts reading `input.body` into `call`. REQUIRES: `call` was started with
// StreamRequest::write_incrementally; `rt` belongs to `snapshot`.
void StartBodyPump(std::shared_ptr<const Snapshot> snapshot,
                   const RouteRuntime& rt, BodyPumpInput input,
                   std::shared_ptr<upstream::StreamCall> call,
                   std::shared_ptr<StreamFailure> failure);

}  // namespace protogate::proxy
