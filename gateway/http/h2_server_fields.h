// H2Fields: the header fields of an HTTP/2 response or trailer section, held
// as strings and handed to nghttp2 as nghttp2_nv (which it copies). Handler
// fields are lower-cased (RFC 9113 8.2.1); invalid ones, the ones the server
// manages, and connection-specific ones (RFC 9113 8.2.2) are dropped.
// Private to protogate::http.
//
// Thread safety: a value; one thread at a time.
//
// Example:
//   H2Fields fields;
//   fields.AddHead(response, response.body.size(), "protogate");
//   nghttp2_submit_response(session, id, fields.data(), fields.size(), p);
#pragma once

#include <nghttp2/nghttp2.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/http/response.h"
#include "gateway/http/session.h"

namespace protogate::http {

class H2Fields {
 public:
  // :status, the handler's headers, content-length (when given and the
  // status has a body), date, and server (unless empty).
  void AddHead(const Response& head, std::optional<size_t> content_length,
               std::string_view server_name);
  void AddTrailers(const Trailers& trailers);

  // Valid until the next Add*.
  const nghttp2_nv* data();
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  void AddHandlerFields(
      const std::vector<std::pair<std::string, std::string>>& fields);

  std::vector<std::pair<std::string, std::string>> fields_;
  std::vector<nghttp2_nv> nv_;
};

// The header list limit of a server (Http2Options, else max_header_bytes).
size_t MaxHeaderListBytes(const SessionConfig& config);

}  // namespace protogate::http
