// Helpers shared by the files of Session. Private to protogate::http.
//
// Thread safety: stateless functions.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <string>
#include <vector>

#include "gateway/http/request.h"

namespace protogate::http {

// The first `count` fields (Beast appends trailer fields after the head's).
inline std::vector<Request::Header> CopyHeaders(
    const boost::beast::http::fields& fields, size_t count) {
  std::vector<Request::Header> headers;
  headers.reserve(8);
  for (const auto& field : fields) {
    if (headers.size() == count) break;
    headers.emplace_back(std::string(field.name_string()),
                         std::string(field.value()));
  }
  return headers;
}

}  // namespace protogate::http
