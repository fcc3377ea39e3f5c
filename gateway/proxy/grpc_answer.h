// How the gateway answers a gRPC or gRPC-Web request (grpcweb/protocol.h):
// always HTTP 200 with the request's content type; the outcome is the
// grpc-status of the trailers (gRPC: HTTP/2 trailers; gRPC-Web: the
// trailer frame at the end of the body) or, for an answer without
// messages, of the response headers ("trailers-only").
//
// GrpcAnswering wraps the connection's responder so that every answer of
// the request is one of those, whoever built it: an answer that is not
// gRPC (a stage's 401 or 429, a 404, the HTTP server's 413, a dropped
// responder's 500) becomes a trailers-only answer with the code of its
// google.rpc.Status JSON body (else gRPC's HTTP -> code table) and its
// message; its other headers (CORS, x-request-id) stay. gRPC answers built
// here carry, up to that wrapper, the HTTP status their code maps to
// (transcoding::HttpStatusFromCode), so metrics and access logs, which see
// the answer before it, count a failed call as its REST twin would be.
//
// Thread safety: GrpcFormat is immutable; the responder as http::Responder.
//
// Example:
//   GrpcFormat format(grpcweb::Protocol::kGrpcWeb, "application/grpc-web");
//   responder = GrpcAnswering(format, std::move(responder));
//   responder.Send(TrailersOnly(format, {.code = 12, .message = "..."}));
#pragma once

#include <string>
#include <string_view>

#include "gateway/grpcweb/protocol.h"
#include "gateway/http/responder.h"
#include "gateway/http/response.h"
#include "gateway/upstream/channel.h"

namespace protogate::proxy {

class GrpcFormat {
 public:
  GrpcFormat(grpcweb::Protocol protocol, std::string_view content_type)
      : protocol_(protocol),
        content_type_(grpcweb::ResponseContentType(content_type)) {}

  grpcweb::Protocol protocol() const { return protocol_; }
  bool web() const { return protocol_ != grpcweb::Protocol::kGrpc; }
  // The response Content-Type (the request's media type).
  const std::string& content_type() const { return content_type_; }
  // Body bytes as sent: base64 in the text mode, else as they are.
  std::string Encode(std::string bytes) const;
  // The head of an answer with messages: 200, Content-Type, `metadata`
  // (the backend's initial metadata) as headers.
  http::Response Head(const upstream::Metadata& metadata) const;

 private:
  grpcweb::Protocol protocol_;
  std::string content_type_;
};

// Wraps `inner` as the top comment says. REQUIRES: a gRPC protocol.
http::Responder GrpcAnswering(GrpcFormat format, http::Responder inner);

// The answer to a gRPC request (not gRPC-Web) over HTTP/1.x, which gRPC does
// not define (it needs HTTP/2 streams and trailers): 505 HTTP Version Not
// Supported, as grpc-go's HTTP handler transport answers, with a
// google.rpc.Status JSON body (UNIMPLEMENTED) naming the reason. Sent as it
// is, not through GrpcAnswering: the client is not speaking gRPC.
http::Response GrpcNeedsHttp2();

// gRPC header or trailer fields (grpcweb::HeadersOf, TrailerHeaders) as an
// HTTP response's fields (runtime names: checked when sent).
http::HeaderFields AsHeaderFields(grpcweb::Metadata fields);

// An answer without messages: `trailer` in the response headers.
http::Response TrailersOnly(const GrpcFormat& format,
                            const grpcweb::Trailer& trailer);

// The trailer of a finished upstream call of `method`: the backend's code,
// message, details and trailing metadata; transport failures (UNAVAILABLE,
// DEADLINE_EXCEEDED, ... without details) get the generic message of
// aggregator::GenericUpstreamMessage (the detail is logged), a response
// message over the cluster's max_receive_message_bytes RESOURCE_EXHAUSTED
// naming its size and the limit, and another malformed response INTERNAL
// "upstream response was malformed".
grpcweb::Trailer TrailerOf(const upstream::CallResult& result,
                           std::string_view method);

}  // namespace protogate::proxy
