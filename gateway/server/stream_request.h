// The request messages of a streaming call: one message for a
// server-streaming method; for a client- or bidi-streaming method, one per
// element of the body, a JSON array (application/json) or NDJSON
// (application/x-ndjson), each built like an unary request's body with the
// path and query bindings applied to every message.
//
// Thread safety: stateless function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "gateway/transcoding/options.h"
#include "gateway/transcoding/request_transcoder.h"

namespace protogate::server {

// The most messages one client-stream body may hold.
inline constexpr size_t kMaxClientStreamMessages = 100000;

// True for the Content-Types of an NDJSON body.
bool IsNdjsonContentType(std::string_view content_type);

struct StreamBody {
  std::string_view bytes;
  std::string_view content_type;
  bool client_streaming = false;
};

// InvalidArgument for a malformed body (naming the message's index for an
// element that does not transcode).
absl::StatusOr<std::vector<std::string>> BuildStreamMessages(
    const transcoding::CodecSet& codecs, const transcoding::RequestSpec& spec,
    absl::Span<const transcoding::PathBinding> bindings,
    std::string_view raw_query, const StreamBody& body,
    const transcoding::ParseOptions& parse);

}  // namespace protogate::server
