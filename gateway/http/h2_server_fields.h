// H2Fields: the header fields of an HTTP/2 response or trailer section,
// handed to nghttp2 as nghttp2_nv (which it copies). The nv entries point
// into the Response or Trailers given, into HttpDate()'s string and into
// this object: no string is built per field, only handler field names with
// upper-case letters are lower-cased into one buffer (RFC 9113 8.2.1).
// Invalid fields, the ones the server manages, and connection-specific ones
// (RFC 9113 8.2.2) are dropped. Private to protogate::http.
//
// Thread safety: a value; one thread at a time.
// Lifetime: data() is valid while this object and the fields given live,
// and until the thread's next HttpDate() (nghttp2_submit_* copies it).
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

#include "absl/container/inlined_vector.h"
#include "gateway/http/response.h"
#include "gateway/http/session.h"

namespace protogate::http {

class H2Fields {
 public:
  // One Add* per object.
  // :status, the handler's headers, content-length (when given and the
  // status has a body), date, and server (unless empty).
  void AddHead(const Response& head, std::optional<size_t> content_length,
               std::string_view server_name);
  void AddTrailers(const Trailers& trailers);

  const nghttp2_nv* data() const { return nv_.data(); }
  size_t size() const { return nv_.size(); }
  bool empty() const { return nv_.empty(); }

 private:
  void Add(std::string_view name, std::string_view value);
  void AddHandlerFields(const HeaderFields& fields);

  absl::InlinedVector<nghttp2_nv, 10> nv_;
  std::string lowered_;  // Lower-cased names; reserved before use.
  char status_[8];
  char length_[24];
};

size_t MaxHeaderListBytes(const SessionConfig& config);

}  // namespace protogate::http
