// The gRPC and gRPC-Web protocols as the front end sees them: which one a
// request speaks (its content type), and the pieces of an answer: message
// frames, the gRPC-Web trailer frame, grpc-message percent-encoding,
// metadata as HTTP headers and back, and the HTTP status -> gRPC code
// mapping of gateway answers that are not gRPC (a stage's 401, a 413).
// Specs: gRPC's PROTOCOL-HTTP2.md, PROTOCOL-WEB.md and
// http-grpc-status-mapping.md.
//
// Thread safety: stateless functions.
//
// Example:
//   if (ProtocolOf(content_type) == Protocol::kGrpcWeb) {
//     body = MessageFrame(payload) +
//            TrailerFrame({.code = 0, .message = "", .metadata = trailers});
//   }
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace protogate::grpcweb {

using Metadata = std::vector<std::pair<std::string, std::string>>;

enum class Protocol {
  kNone,         // Not gRPC: a REST/JSON request.
  kGrpc,         // application/grpc, application/grpc+proto.
  kGrpcWeb,      // application/grpc-web, application/grpc-web+proto.
  kGrpcWebText,  // application/grpc-web-text (+proto): base64 bodies.
};

// The protocol of a request with this Content-Type (parameters after ';'
// ignored, case-insensitive). Codecs other than proto (e.g. "+json") are
// kNone: such requests are not served as gRPC.
Protocol ProtocolOf(std::string_view content_type);

// The Content-Type of the answer: the request's media type (without
// parameters), so a client that sent "+proto" reads "+proto" back.
// REQUIRES: ProtocolOf(request_content_type) != kNone.
std::string ResponseContentType(std::string_view request_content_type);

// The 5-byte frame header (flags 0: uncompressed) and the message.
std::string MessageFrame(std::string_view message);

// What ends a call: its status and trailing metadata.
struct Trailer {
  int code = 0;         // google.rpc.Code.
  std::string message;  // Raw; percent-encoded when sent.
  std::string details;  // Serialized google.rpc.Status, or empty.
  Metadata metadata;    // Trailing metadata (lower-case keys, "-bin" raw).
};

// The trailer as HTTP header fields: grpc-status, grpc-message (when not
// empty), grpc-status-details-bin (when set), then the metadata
// (HeadersOf).
Metadata TrailerHeaders(const Trailer& trailer);

// The gRPC-Web trailer frame: flags 0x80, then TrailerHeaders as
// "name: value\r\n" lines.
std::string TrailerFrame(const Trailer& trailer);

// grpc-message's encoding: bytes outside 0x20..0x7E and '%' as %XX.
std::string PercentEncode(std::string_view message);

// Metadata as HTTP header fields: "-bin" values base64 (no padding); keys
// that are reserved for the transport (ReservedHeader) are dropped.
Metadata HeadersOf(const Metadata& metadata);

// Request headers as upstream metadata: lower-case keys; "-bin" values
// base64-decoded (a value that is not base64 is dropped); reserved headers
// (ReservedHeader) and HTTP/2 pseudo headers dropped.
Metadata MetadataOf(
    const std::vector<std::pair<std::string, std::string>>& headers);

// Header names that describe the connection or the gRPC transport, never
// forwarded as metadata: hop-by-hop headers, host, content-type,
// content-length, te, user-agent, grpc-timeout, grpc-encoding,
// grpc-accept-encoding, grpc-status*, grpc-message, and the gRPC-Web
// request markers x-grpc-web and x-user-agent. `name` is lower case.
bool ReservedHeader(std::string_view name);

// The gRPC code of an HTTP answer that is not gRPC, by gRPC's table
// (http-grpc-status-mapping.md): 400 INTERNAL, 401 UNAUTHENTICATED, 403
// PERMISSION_DENIED, 404 UNIMPLEMENTED, 429, 502, 503 and 504 UNAVAILABLE,
// any other UNKNOWN. The gateway's own JSON error bodies carry a more
// precise code, which callers prefer when they can read it.
absl::StatusCode CodeForHttpStatus(int http_status);

}  // namespace protogate::grpcweb
