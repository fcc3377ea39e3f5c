// The streaming side of protogate's HTTP/2 client: the StreamCall handle a
// caller gets from H2Channel::Stream(), and what the connection
// (h2_session.h) does with a streaming call's bytes. Internal to
// protogate::upstream.
//
// The handle posts every method to the call's loop, so the observer's
// methods always run there, one at a time, and never from inside the
// caller's own call into the handle. A message is delivered only while
// the observer waits for one (the first at once, each further after
// ReadNext); the response bytes of the messages it has not asked for stay
// unacknowledged (see h2_call.h), so the backend stalls once a stream
// window (kStreamWindow in h2_session.cc) is buffered. A response message
// is judged on its 5-byte frame header, before its bytes are collected: a
// compressed one or one over the receive limit resets the stream and ends
// the call (INTERNAL, malformed_response), never buffered whole.
//
// Thread safety: the handle's methods from any thread; the functions below
// on the call's loop thread only, never from inside an nghttp2 callback
// unless said so.
//
// Example (H2Channel::Stream):
//   auto call = std::make_shared<H2Call>(ioc);
//   call->stream = std::make_unique<H2StreamState>();
//   call->stream->observer = observer;
//   observer->OnStart(MakeStreamHandle(call, ioc, owner));
//   session->Submit(call);  // Bytes flow through ReadStreamBody/PumpStream.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "gateway/upstream/channel.h"
#include "gateway/upstream/h2_call.h"

namespace protogate::upstream {

// The caller's handle on `call` (which has a stream state), running on
// `ioc`; `owner` keeps `ioc` alive (base/io_thread.h; may be null).
std::shared_ptr<StreamCall> MakeStreamHandle(std::shared_ptr<H2Call> call,
                                             boost::asio::io_context& ioc,
                                             std::shared_ptr<void> owner);

// nghttp2's data source for a streaming call (inside nghttp2): copies up
// to `length` request bytes to `buf`, sets END_STREAM after the last once
// WritesDone came, or returns NGHTTP2_ERR_DEFERRED while nothing is queued.
// Sets the state's `write_handed` when an incremental Write() is done.
int64_t ReadStreamBody(H2Call& call, uint8_t* buf, size_t length,
                       uint32_t* flags);

// The stream's end, from FinishCall: `result` is delivered after the
// messages still buffered when the backend ended the stream itself, at
// once otherwise. A pending Write() is answered false.
void FinishStream(H2Call& call, CallResult result);

// The call's deadline passed while the observer still reads what the
// backend sent before it ended the stream: ends it now with `status`.
void AbandonDrain(H2Call& call, absl::Status status);

// Runs what became due: a done Write()'s callback, messages (and the end)
// the observer waits for, acknowledging the bytes it takes.
void PumpStream(H2Call& call);

}  // namespace protogate::upstream
