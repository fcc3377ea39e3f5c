// Response: what a handler sends back. A plain value type.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace protogate::http {

// Trailer fields of a streamed response (ResponseStream::Finish), in order.
using Trailers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 200;
  // Extra headers. The server adds Content-Length, Date, Server and
  // Connection itself; do not set them here.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

}  // namespace protogate::http
