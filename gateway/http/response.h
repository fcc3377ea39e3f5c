// Response: what a handler sends back. A plain value type.
#pragma once

#include <string>

#include "gateway/http/header_field.h"

namespace protogate::http {

// Trailer fields of a streamed response (ResponseStream::Finish), in order.
using Trailers = HeaderFields;

struct Response {
  int status = 200;
  // Extra headers. The server adds Content-Length, Date, Server and
  // Connection itself; do not set them here. Constant names
  // (ConstantHeaderName) cost no copy and no per-response check.
  HeaderFields headers;
  std::string body;
};

}  // namespace protogate::http
