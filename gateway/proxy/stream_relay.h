// Streaming calls through the gateway (docs/HTTP_RULES.md, Streams).
//
// RelayStream answers a server-streaming or bidirectional method: each
// response message is transcoded and written to the client as soon as it
// arrives, in the format of stream_format.h. The next message is read from
// the backend only once the previous one was written to the client's
// socket, so a slow client holds back the backend (through HTTP/2 flow
// control: the upstream client acknowledges a message's bytes only when the
// next is asked for) instead of making the gateway buffer the stream; a
// client that
// goes away cancels the call. An error before the first message is an
// ordinary error response; after it, it is delivered in-band and the
// response is cut short.
//
// RelayClientStream answers a client-streaming method (one response): as an
// unary call would.
//
// Thread safety: start from any thread; the relays run on the I/O thread of
// the upstream call (the request's, when started from one) and keep the
// snapshot alive until the call ends.
#pragma once

#include <memory>

#include "absl/functional/any_invocable.h"
#include "gateway/http/responder.h"
#include "gateway/proxy/body_pump.h"
#include "gateway/proxy/snapshot.h"
#include "gateway/proxy/stream_format.h"
#include "gateway/transcoding/options.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

struct RelayOptions {
  StreamFormat format = StreamFormat::kJsonArray;  // Server streams only.
  transcoding::PrintOptions print;
  // When set and holding a response at the end, that response (or, after
  // the first message, its body in-band) replaces the call's outcome: a
  // failure of the request body (body_pump.h).
  std::shared_ptr<StreamFailure> failure;
  // Set: runs with the call's result when it ends, before the answer ends
  // (the telemetry of the upstream call, request_telemetry.h).
  absl::AnyInvocable<void(const upstream::CallResult&)> on_done;
};

// Starts the call and returns its handle (for writing the request
// incrementally). REQUIRES: rt.channel != nullptr and `rt` belongs to
// `snapshot`.
std::shared_ptr<upstream::StreamCall> RelayStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    upstream::StreamRequest request, RelayOptions options,
    http::Responder responder);

// REQUIRES: as above.
std::shared_ptr<upstream::StreamCall> RelayClientStream(
    std::shared_ptr<const Snapshot> snapshot, const RouteRuntime& rt,
    upstream::StreamRequest request, RelayOptions options,
    http::Responder responder);

}  // namespace protogate::proxy
