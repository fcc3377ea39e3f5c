// How a server stream is written over HTTP/1.1, chosen by the request's
// Accept header (docs/HTTP_RULES.md, Streams), and the framing of each part.
//
// Each format: its Content-Type; one message; an error after the first one.
//   JSON array  application/json; `[m1,m2,...]`; `,<Status>` and no `]`
//   NDJSON      application/x-ndjson; `m\n`; `<Status>\n`
//   SSE         text/event-stream; `data: m\n\n`;
//               `event: error\ndata: <Status>\n\n`
//   raw         the first HttpBody's content type; its bytes; none possible
//
// After an error the response is cut short (no last chunk), so a client can
// never take it for a complete success; `<Status>` is the google.rpc.Status
// JSON an unary call would have answered with.
//
// Thread safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

namespace protogate::proxy {

enum class StreamFormat { kJsonArray, kNdjson, kSse, kRaw };

// The format a client asks for: the Accept media range with the highest
// q-value (the first listed on ties) among application/json,
// application/x-ndjson (or application/ndjson, application/jsonl),
// text/event-stream, application/* and */*. JSON array when there is no
// Accept header or nothing in it matches.
StreamFormat NegotiateStreamFormat(std::string_view accept);

std::string_view StreamContentType(StreamFormat format);

// The bytes of one message (compact JSON for the text formats, raw bytes
// for kRaw); `first` says whether it is the first of the response.
std::string FrameMessage(StreamFormat format, std::string_view json,
                         bool first);
// The bytes that end a successful stream of `count` messages.
std::string FrameEnd(StreamFormat format, size_t count);
// The bytes of an error after the first message (empty for kRaw).
std::string FrameError(StreamFormat format, std::string_view status_json);

}  // namespace protogate::proxy
