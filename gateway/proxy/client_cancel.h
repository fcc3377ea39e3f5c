// CancelWithClient: ties a unary upstream call to its client, so a client
// that abandons the request (HTTP/2 RST_STREAM, or its connection closing;
// http/client_cancellation.h) cancels the call and the backend sees the
// cancellation, as streaming calls already do through their failed writes.
//
// Thread safety: call from any thread; the canceller is thread-safe.
// Ownership: the request's signal holds the returned canceller (calls hold
// theirs weakly), so it lives as long as the request.
//
// Example (proxy.cc):
//   call.canceller = CancelWithClient(request);
//   rt.channel->Call(std::move(call), ...);
#pragma once

#include <memory>

#include "gateway/http/request.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

// A canceller that fires when the client abandons `request`; nullptr when
// its connection cannot tell (HTTP/1.1), which costs nothing.
std::shared_ptr<upstream::CallCanceller> CancelWithClient(
    const http::Request& request);

}  // namespace protogate::proxy
