// Helpers shared by the files of Session. Private to protogate::http.
//
// Thread safety: stateless functions.
#pragma once

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <string>
#include <vector>

#include "gateway/http/request.h"

namespace protogate::http {

// True for errors of the HTTP parser (as opposed to I/O errors and the peer
// going away).
inline bool IsParseError(const boost::beast::error_code& ec) {
  namespace bhttp = boost::beast::http;
  return ec.category() ==
             bhttp::make_error_code(bhttp::error::bad_method).category() &&
         ec != bhttp::error::end_of_stream &&
         ec != bhttp::error::partial_message;
}

inline std::vector<Request::Header> CopyHeaders(
    const boost::beast::http::fields& fields) {
  std::vector<Request::Header> headers;
  headers.reserve(8);
  for (const auto& field : fields) {
    headers.emplace_back(std::string(field.name_string()),
                         std::string(field.value()));
  }
  return headers;
}

}  // namespace protogate::http
